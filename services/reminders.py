"""Planning reminders into the outbox: each (timer, step, recipient, channel) once.

The unique key of the outbox does the "once": planning inserts and ignores what is already
there, so a sweep that runs twice or concurrently plans nothing twice. Every reminder also
lands in the in-app inbox (channel `inbox`, delivered at once), so no reminder depends on
e-mail or a webhook being configured to be seen.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services import reminder_texts as texts
from services.ports import DueTimer, UnitOfWork
from services.runtime import Runtime
from services.values import Queued as Queued
from services.values import Reminder as Reminder
from statemachines.assessments import campaigns
from statemachines.case import Case
from statemachines.policy import Policy
from statemachines.reminders import AUDIENCE, ESCALATION, OVERDUE, escalates, lead_days, step_due
from statemachines.timers import Timer

INBOX = "inbox"


@dataclass(frozen=True)
class Recipient:
    key: str  # "user:<username>" or "operator:<credit code>"
    role: str
    email: str | None


class Recipients:
    """Who each audience of a case is, asked of the database once per sweep: every fired deadline
    of a jurisdiction escalates to the same supervisors (bench b3). A grant or e-mail address
    changed during a sweep counts from the next one."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], list[Recipient]] = {}

    def of(self, uow: UnitOfWork, case: Case, audience: Sequence[str]) -> list[Recipient]:
        out: list[Recipient] = []
        for role in audience:
            # what each role's recipients depend on: supervisors on the jurisdiction, the others on one name
            key = (role, case.jurisdiction if role == "supervisor" else
                   case.opened_by if role == "caseworker" else case.operator_code)
            found = self._known.get(key)
            if found is None:
                found = self._known[key] = _recipients(uow, case, (role,))
            out += found
        return out


def plan(rt: Runtime, as_of: date, channels: Sequence[str] = (), people: Recipients | None = None) -> int:
    """Plans the reminder steps due on `as_of` for every pending timer; returns how many were new."""
    horizon = as_of + timedelta(days=max((lead_days(p) for p in rt.policies), default=0))
    people = people or Recipients()
    planned = 0
    with rt.uow() as uow:
        upcoming = uow.timers.upcoming(as_of, horizon)
    for case_id, timers in _by_case(upcoming).items():
        with rt.uow() as uow:
            case = uow.cases.get(case_id)
            policy = rt.policies.get(case.policy_id, case.policy_version)
            for timer in timers:
                step = step_due(timer, policy, as_of)
                if step is not None:
                    planned += _queue(uow, rt.clock(), case, timer, step.name, step.send_on,
                                      AUDIENCE[timer.kind], channels, people, campaigns(policy))
            uow.commit()
    return planned


def escalate(uow: UnitOfWork, now: datetime, case: Case, timer: Timer, on: date, channels: Sequence[str] = (),
             people: Recipients | None = None, policy: Policy | None = None) -> int:
    """A deadline passed: tell the supervisors and the caseworker, in the firing's transaction."""
    if not escalates(timer.kind):
        return 0
    return _queue(uow, now, case, timer, OVERDUE, on, ESCALATION, channels, people or Recipients(),
                  policy is not None and campaigns(policy))


def _queue(uow: UnitOfWork, now: datetime, case: Case, timer: Timer, step: str, send_on: date,
           audience: Sequence[str], channels: Sequence[str], people: Recipients, campaign: bool = False) -> int:
    subject = texts.subject(case, timer.kind, timer.key, timer.due_on, step, campaign)
    body = texts.body(case, timer.kind, timer.key, timer.due_on, step, campaign)
    added = 0
    for recipient in people.of(uow, case, audience):
        for channel, address in _routes(recipient, channels):
            added += uow.reminders.add(Reminder(
                case.id, timer.kind, timer.key, timer.due_on, step, recipient.key, recipient.role,
                channel, address, subject, body, send_on), now)
    return added


def _recipients(uow: UnitOfWork, case: Case, audience: Sequence[str]) -> list[Recipient]:
    out: list[Recipient] = []
    for role in audience:
        if role == "caseworker" and case.opened_by:
            user = uow.users.by_username(case.opened_by)
            out.append(Recipient(f"user:{case.opened_by}", role, getattr(user, "email", None)))
        elif role == "supervisor":
            out += [Recipient(f"user:{u.username}", role, u.email)
                    for u in uow.users.holding("supervisor", case.jurisdiction)]
        elif role == "operator":
            out.append(Recipient(f"operator:{case.operator_code}", role,
                                 uow.cases.operator_contact(case.operator_code)))
    return out


def _routes(recipient: Recipient, channels: Sequence[str]) -> list[tuple[str, str]]:
    routes = [(INBOX, recipient.key)]
    if "email" in channels and recipient.email:
        routes.append(("email", recipient.email))
    if "webhook" in channels:
        routes.append(("webhook", "webhook"))
    return routes


def _by_case(timers: Iterable[DueTimer]) -> dict[str, list[Timer]]:
    grouped: dict[str, list[Timer]] = {}
    for t in timers:
        grouped.setdefault(t.case_id, []).append(Timer(t.kind, t.key, t.due_on))
    return grouped
