"""Application rounds (R1, R19): each policy's window opens and closes once a year; where a policy's
rounds are announced, a supervisor publishes each year's dates and quota first.

Opening and closing are recorded once per policy and year (the row's timestamps are set only
where empty), however often the daily flow runs; closing counts the applications received.
"""
from __future__ import annotations

from datetime import date, timedelta

from services.authz import ACT_ROLES
from services.ports import UnitOfWork
from services.runtime import Runtime
from services.users import Forbidden, User
from services.values import Announcement
from services.values import Round as Round
from statemachines.case import Case
from statemachines.errors import InvalidAct, RoundAlreadyAnnounced
from statemachines.jurisdiction import covers
from statemachines.policy import Policy
from statemachines.rounds import RoundQuota, RoundWindow

ANNOUNCERS = ("supervisor",)


def open_rounds(rt: Runtime, year: int, as_of: date) -> list[Round]:
    """Opens every round of `year` whose first day has come."""
    return _rounds(rt, year, as_of, closing=False)


def close_rounds(rt: Runtime, year: int, as_of: date) -> list[Round]:
    """Closes every round of `year` whose last day has passed, counting its applications."""
    return _rounds(rt, year, as_of, closing=True)


def _rounds(rt: Runtime, year: int, as_of: date, *, closing: bool) -> list[Round]:
    out = []
    with rt.uow() as uow:
        for policy in rt.policies:
            held = _round(uow, policy, year)
            if held is None or not policy.in_force_on(held.opens):
                continue
            opens, closes = held.opens, held.closes
            uow.rounds.ensure(policy.id, year, opens, closes)
            if closing and as_of > closes:
                uow.rounds.close(policy.id, year, rt.clock(), uow.rounds.applications(policy.id, opens, closes))
            elif not closing and as_of >= opens:
                uow.rounds.open(policy.id, year, rt.clock())
            out.append(uow.rounds.get(policy.id, year))
        uow.commit()
    return out


def closing_soon(rt: Runtime, user: User, today: date, within: timedelta) -> list[tuple[Policy, RoundWindow]]:
    """The application rounds open today and closing within `within`, of the policies in force in the
    user's jurisdictions, for a user who may take applications there (issue 15, the work queue)."""
    scopes = user.scopes(ACT_ROLES["apply"])
    latest: dict[str, Policy] = {}
    for policy in rt.policies:
        if policy.in_force_on(today):
            latest[policy.id] = policy
    out = []
    with rt.reads() as uow:
        for policy in latest.values():
            # a national policy applies in Guizhou, a Guiyang one within Guizhou's scope
            if not any(covers(s, policy.jurisdiction) or covers(policy.jurisdiction, s) for s in scopes):
                continue
            for year in (today.year - 1, today.year):  # a window that spans 1 January opened last year
                window = _round(uow, policy, year)
                if window is not None and window.holds(today) and window.closes <= today + within:
                    out.append((policy, window))
    return sorted(out, key=lambda found: (found[1].closes, found[0].title))


def _round(uow: UnitOfWork, policy: Policy, year: int) -> RoundWindow | None:
    """The round of `year` with its quota: fixed by the policy, or as announced (None: not announced,
    or the policy has no window)."""
    if not policy.rounds_announced:
        window = policy.window_of(year)
        return None if window is None else RoundWindow(year, *window, policy.round_quota)
    found = uow.rounds.find(policy.id, year)
    if found is None or found.announcement is None:
        return None
    return RoundWindow(year, found.opens_on, found.closes_on, found.quota)


def announce(rt: Runtime, user: User, *, policy_id: str, year: int, opens_on: date, closes_on: date,
             quota: int | None, document: str, reason: str) -> Round:
    """R19: publishes a year's round of a policy whose rounds are announced: its dates, its quota
    (the policy's where none is given), the notice it was published under and why; once a year."""
    versions = rt.policies.versions(policy_id)
    policy = next((p for p in reversed(versions) if p.in_force_on(opens_on)), None)
    if policy is None:
        raise InvalidAct(key="round.no-policy", field="opens_on", rule="R19", policy_id=policy_id, opens_on=opens_on)
    if not user.roles_in(policy.jurisdiction) & set(ANNOUNCERS):
        raise Forbidden(key="round.forbidden", act="announce_round", needed=list(ANNOUNCERS), policy=policy.title,
                        jurisdiction=policy.jurisdiction)
    if not policy.rounds_announced:
        raise InvalidAct(key="round.fixed-window", field="policy_id", rule="R1", policy=policy.title)
    for field, text in (("document", document), ("reason", reason)):
        if not text.strip():
            raise InvalidAct(key="round.required", field=field, rule="R19")
    if opens_on.year != year:
        raise InvalidAct(key="round.year", field="opens_on", rule="R19", year=year, opens_on=opens_on)
    if closes_on < opens_on:
        raise InvalidAct(key="round.order", field="closes_on", rule="R19", opens_on=opens_on, closes_on=closes_on)
    if quota is not None and quota < 1:
        raise InvalidAct(key="round.quota", field="quota", rule="R19")
    with rt.uow() as uow:
        if uow.rounds.find(policy_id, year) is not None:
            raise RoundAlreadyAnnounced(policy_id, year, policy.title)
        for other in uow.rounds.of_policy(policy_id):
            if other.opens_on <= closes_on and opens_on <= other.closes_on:
                raise InvalidAct(key="round.overlap", field="opens_on", rule="R19", other_year=other.year,
                                 other_opens=other.opens_on, other_closes=other.closes_on)
        uow.rounds.announce(policy_id, year, opens_on, closes_on, quota if quota is not None else policy.round_quota,
                            Announcement(user.username, rt.clock(), document.strip(), reason.strip()))
        announced = uow.rounds.get(policy_id, year)
        uow.commit()
    return announced


def listed(rt: Runtime, policy_id: str) -> list[Round]:
    """The policy's rounds on record, announced or opened by the daily flow, by year."""
    with rt.reads() as uow:
        return uow.rounds.of_policy(policy_id)


def announced_windows(uow: UnitOfWork, policy: Policy) -> list[RoundWindow]:
    """The policy's announced rounds, as the domain judges an application against them."""
    if not policy.rounds_announced:
        return []
    return [RoundWindow(r.year, r.opens_on, r.closes_on, r.quota) for r in uow.rounds.of_policy(policy.id)
            if r.announcement is not None]


def quota_of(uow: UnitOfWork, case: Case, policy: Policy) -> RoundQuota | None:
    """R19: the quota of the round the case was received in and its approvals so far, counted with
    the round locked; None where the round has no quota or the case came outside a round."""
    if case.round_year is None:
        return None
    held = _round(uow, policy, case.round_year)
    if held is None or held.quota is None:
        return None
    return RoundQuota(held.year, held.quota,
                      uow.rounds.approvals(policy.id, held.year, held.opens, held.closes))
