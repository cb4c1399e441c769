"""The acts of the lifecycle: each checks its rules, then records its events on the case.

Every act function decides first (and raises a DomainError, with nothing changed) and only
then records. Recording applies each event through `fold.apply_event`, the same path a replay
takes, and adds the follow-up events the rules demand (R9, R12, the policy's consecutive
fails), so one act can write several events in one transaction.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from statemachines import assessments, catalogue, subsidy
from statemachines.case import Case
from statemachines.catalogue import MISCONDUCT_GROUNDS, REVOCATION_GROUNDS
from statemachines.errors import (
    AssessmentNotOpen,
    BanInForce,
    DateOutOfOrder,
    FourEyesViolation,
    FutureDate,
    IllegalTransition,
    InvalidAct,
    NoRoundAnnounced,
    NotDue,
    OpenCaseExists,
    OutsideNotice,
    PrerequisiteMissing,
    QuotaReached,
    WindowClosed,
)
from statemachines.events import DEFAULT_ALGORITHM, SYSTEM_ACTOR, Draft, Event, seal
from statemachines.fold import apply_event
from statemachines.lifecycle import IN_FORCE, USER_ACTS, acts_from
from statemachines.periods import CalendarDate, Duration, add_working_days, deadline, period_end
from statemachines.policy import Permanent, Policy, Tier
from statemachines.programmes import DEFAULT_PROGRAMME
from statemachines.rounds import RoundQuota, RoundWindow, fixed_rounds, next_round, round_on
from statemachines.workcalendar import WorkCalendar

# R16: business dates are calendar dates in the jurisdiction's zone.
BUSINESS_ZONE = ZoneInfo("Asia/Shanghai")


def business_date(now: datetime) -> date:
    return now.astimezone(BUSINESS_ZONE).date()


@dataclass(frozen=True)
class Recording:
    """Who records an act, the business date it happened on, why, and when it is recorded."""

    actor: str
    on: date
    reason: str
    now: datetime

    def __post_init__(self) -> None:
        # "zhao " and "zhao" are one person for the four-eyes checks
        object.__setattr__(self, "actor", self.actor.strip())

    @property
    def today(self) -> date:
        return business_date(self.now)


@dataclass(frozen=True)
class BanOnRecord:
    """A reapplication ban found for the operator or the base (R2)."""

    case_id: str
    ground: str
    level: str
    first_day: date
    last_day: date | None  # None: permanent
    jurisdiction: str = ""  # of the revoked case: who may be shown which case it was

    def bars_on(self, day: date) -> bool:
        """Whether the ban is in force on `day` (a permanent one from its first day on)."""
        return self.first_day <= day and (self.last_day is None or day <= self.last_day)


# --- the decide function of each act a person records, registered under its declared name

Decide = Callable[..., list[Event]]
DECIDE: dict[str, Decide] = {}


def decides(act: str) -> Callable[[Decide], Decide]:
    if act not in {a.name for a in catalogue.CASE_ACTS}:
        raise ValueError(f"'{act}' is not declared as an act recorded on a case (statemachines/catalogue.py)")

    def register(decide: Decide) -> Decide:
        DECIDE[act] = decide
        return decide
    return register


# --- what is legal now ---------------------------------------------------------------------

def allowed_acts(case: Case, policy: Policy, on: date | None = None) -> list[str]:
    """The acts a person may record on this case now (R1–R14), in the table's order; given the
    business date `on`, without an assessment that may not be recorded before a later day (R21)."""
    return [a for a in acts_from(case.state) if a in USER_ACTS and _available(case, policy, a, on) is None]


def _available(case: Case, policy: Policy, act: str, on: date | None = None) -> tuple[str, dict[str, Any]] | None:
    """None when the act has something to act on (on `on`, where given), else why not: the
    catalogue's message (statemachines/messages.py) and its parameters."""
    if act == "verify_complaint" and not any(c.valid is None for c in case.complaints):
        return "not-due.complaint", {}
    if act == "record_payment" and not any(i.status == "due" for i in case.instalments):
        return "not-due.payment", {}
    if act == "record_repayment" and (case.clawback is None or case.clawback.outstanding_fen <= 0):
        return "not-due.repayment", {}
    if act == "record_assessment":
        upcoming = assessments.next_to_record(case, policy)
        if upcoming is None:
            return "not-due.assessments-done", {}
        if on is not None and upcoming.opens is not None and on < upcoming.opens:
            return "not-due.assessment-opens", {"opens": upcoming.opens}
    if act == "reevaluate" and not case.has_flag("reevaluation_review_due"):
        return "not-due.reevaluation", {}
    if act == "decide_objection" and not case.open_objections():
        return "not-due.objection", {}
    return None


def _check(case: Case, policy: Policy, act: str, ctx: Recording) -> None:
    allowed = allowed_acts(case, policy)
    if act not in allowed:
        if act in USER_ACTS and act in acts_from(case.state):
            key, params = _available(case, policy, act) or ("not-due", {})
            raise NotDue(key=key, act=act, allowed_actions=allowed, **params)
        raise IllegalTransition(act, case.state, allowed)
    _check_who_and_when(ctx, case)


def _check_who_and_when(ctx: Recording, case: Case | None = None) -> None:
    if not ctx.actor.strip():
        raise InvalidAct(key="act.actor-missing", field="actor", rule="R17")
    if not ctx.reason.strip():
        raise InvalidAct(key="act.reason-missing", field="reason", rule="R17")
    if ctx.on > ctx.today:
        raise FutureDate(ctx.on, ctx.today)
    if case is not None and case.last_on is not None and ctx.on < case.last_on:
        raise DateOutOfOrder(ctx.on, case.last_on, case.last_act or "")


# --- recording -----------------------------------------------------------------------------

def record(case: Case, policy: Policy, calendar: WorkCalendar, drafts: Sequence[Draft], now: datetime) -> list[Event]:
    """Seals each draft into the chain, applies it, and adds the follow-ups the rules demand."""
    events: list[Event] = []
    pending = list(drafts)
    while pending:
        draft = pending.pop(0)
        event = seal(Event(
            case_id=case.id, seq=case.version + 1, act=draft.act, on=draft.on, recorded_at=now,
            actor=draft.actor, reason=draft.reason, rule=draft.rule, policy_id=policy.id,
            policy_version=policy.version, payload=draft.payload, prev_hash=case.head_hash,
            hash_algorithm=case.hash_algorithm,
        ))
        apply_event(case, event, policy)
        events.append(event)
        pending.extend(follow_ups(case, policy, calendar, event))
    return events


def follow_ups(case: Case, policy: Policy, calendar: WorkCalendar, event: Event) -> list[Draft]:
    """What the rules make happen at once after an event, as system events of the same day."""
    if event.act == "verify_complaint" and event.payload["valid"] and case.state in IN_FORCE:
        count = case.valid_complaints_in_period()
        if count >= policy.complaint_threshold:
            # R13: who verified the complaint that crossed the threshold brought the suspension
            # about, and counts as the suspender for the four eyes of the revocation
            return [Draft("suspend", event.on, SYSTEM_ACTOR,
                          f"本期有效投诉已达{count}次（阈值{policy.complaint_threshold}次），自动暂停，待审批人作出撤销决定",
                          "R12", {"ground": "complaints", "valid_complaints": count, "brought_about_by": event.actor})]
    if event.act == "record_rectification" and event.payload["outcome"] != "pass":
        return [_revocation(case, policy, event.on, SYSTEM_ACTOR, "rectification_failed",
                            "整改后复评仍未达标，予以撤销", "R9")]
    if (event.act in ("record_assessment", "record_missed_assessment") and event.payload["outcome"] != "pass"
            and policy.revoke_after_consecutive_fails
            and case.consecutive_fails >= policy.revoke_after_consecutive_fails):
        return [_revocation(case, policy, event.on, SYSTEM_ACTOR, "assessment_failed",
                            f"连续{case.consecutive_fails}次考核不达标，取消认定", "R14")]
    if (event.act == "decide_objection" and event.payload["decision"] == "dismiss" and case.state == "publicized"
            and case.notice is not None and event.on > case.notice.last_day and not case.open_objections()):
        # R22: the notice ended while this objection waited; dismissed, nothing holds the recognition back
        return [end_of_notice(case, policy, event.on, event.on,
                              f"公示期已于{case.notice.last_day}届满，异议经处理不成立，予以认定")]
    return []


def _revocation(case: Case, policy: Policy, on: date, actor: str, ground: str, reason: str, rule: str) -> Draft:
    ban_length = policy.ban_for(ground)
    ban = None if ban_length is None else {
        "level": case.level, "length": str(ban_length), "first_day": on.isoformat(),
        "last_day": None if isinstance(ban_length, Permanent) else period_end(on, ban_length).isoformat()}
    payload: dict[str, Any] = {"ground": ground, "ban": ban}
    owed = subsidy.clawback(case, policy, ground)
    if owed is not None:  # R20: what was paid is owed back
        payload["clawback"] = owed
    return Draft("revoke", on, actor, reason, rule, payload)


def _one(case: Case, policy: Policy, calendar: WorkCalendar, ctx: Recording, act: str,
         payload: dict[str, Any] | None = None) -> list[Event]:
    """One event of `act`, citing the rule its declaration names first."""
    rule = catalogue.BY_NAME[act].rules[0]
    return record(case, policy, calendar, [Draft(act, ctx.on, ctx.actor, ctx.reason, rule, payload or {})], ctx.now)


# --- application (R1–R3) -------------------------------------------------------------------

def open_application(
    *, case_id: str, base_id: str, base_name: str, operator_code: str, level: str,
    jurisdiction: str, policy: Policy, calendar: WorkCalendar, ctx: Recording,
    open_cases: Sequence[str] = (), bans: Sequence[BanOnRecord] = (),
    window_exception: str | None = None, prerequisite_cases: Sequence[str] = (),
    announced: Sequence[RoundWindow] = (), prerequisite_document: str | None = None,
    hash_algorithm: str = DEFAULT_ALGORITHM, reference: str | None = None,
) -> tuple[Case, list[Event]]:
    """`prerequisite_cases`: the base's cases in force at the policy's prerequisite level (R18);
    `announced`: the policy's announced rounds, where its rounds are announced (R19);
    `prerequisite_document`: the 文号 of a lower recognition not recorded here, where the policy accepts it;
    `hash_algorithm`: the deployment's, which the case's whole chain then uses."""
    _check_who_and_when(ctx)
    if window_exception is not None and not window_exception.strip():
        raise InvalidAct(key="apply.window-exception", field="window_exception", rule="R1")
    rounds = list(announced) if policy.rounds_announced else fixed_rounds(policy, ctx.on)
    current = round_on(rounds, ctx.on)
    if (policy.rounds_announced or policy.application_window is not None) and current is None \
            and not window_exception:
        # the round of the application's year explains the refusal best; failing that, the next one
        named = next((r for r in rounds if r.year == ctx.on.year), None) or next_round(rounds, ctx.on)
        if named is None:
            raise NoRoundAnnounced(ctx.on, policy.id, policy.title)
        raise WindowClosed(ctx.on, named.opens, named.closes)
    for ban in bans:
        if policy.ban_applies(ban.level, ban.jurisdiction, level) and ban.bars_on(ctx.on):
            raise BanInForce(case_id=ban.case_id, ground=ban.ground, level=ban.level, last_day=ban.last_day)
    prerequisite = _prerequisite_shown(policy, level, prerequisite_cases, prerequisite_document)
    if open_cases:
        raise OpenCaseExists(open_cases[0], level)
    payload: dict[str, Any] = {
        "base_id": base_id, "base_name": base_name, "operator_code": operator_code,
        "level": level, "jurisdiction": jurisdiction,
    }
    if policy.programme != DEFAULT_PROGRAMME:
        payload["programme"] = policy.programme  # R23 (a case of the default programme says nothing)
    if reference is not None:
        payload["reference"] = reference  # the 受理编号 (issue 15), part of the record
    if window_exception:
        payload["window_exception"] = window_exception
    if prerequisite is not None:
        payload["prerequisite"] = prerequisite
    if current is not None:
        payload["round"] = current.year  # the round whose quota an approval counts against (R19)
    event = seal(Event(
        case_id=case_id, seq=1, act="apply", on=ctx.on, recorded_at=ctx.now, actor=ctx.actor,
        reason=ctx.reason, rule="R1", policy_id=policy.id, policy_version=policy.version, payload=payload,
        hash_algorithm=hash_algorithm,
    ))
    return apply_event(None, event, policy), [event]


def _prerequisite_shown(policy: Policy, level: str, cases: Sequence[str],
                        document: str | None) -> dict[str, str] | None:
    """R18: what shows the lower recognition the policy asks for — a case in force here, or, where
    the policy accepts it, the document (文号) of one recorded elsewhere; None where none is asked."""
    document = (document or "").strip()
    if document and policy.prerequisite_proof != "case_or_document":
        raise InvalidAct(key="apply.no-document", field="prerequisite_document", rule="R18", policy=policy.title)
    if policy.prerequisite_level is None:
        return None
    # R23: the programme is named where programmes tell the recognitions apart
    named = policy.programme != DEFAULT_PROGRAMME or policy.prerequisite_programme != DEFAULT_PROGRAMME
    programme = policy.prerequisite_programme if named else None
    required = {"level": policy.prerequisite_level, **({"programme": programme} if programme else {})}
    if cases:
        return {**required, "case_id": cases[0]}
    if document:
        return {**required, "document": document}
    raise PrerequisiteMissing(level, policy.prerequisite_level, policy.prerequisite_proof == "case_or_document",
                              programme=programme)


# --- inspection and approval (R4, R5) ------------------------------------------------------

@decides("inspect")
def inspect(case: Case, policy: Policy, calendar: WorkCalendar, ctx: Recording, *, outcome: str,
            inspectors: Sequence[str] = (), experts: Sequence[str] = (), findings: str = "") -> list[Event]:
    """`inspectors`: the users who took part, by username (the service resolves them; four eyes
    compares people, so a display name never stands for a user); `experts`: outside experts, by name."""
    _check(case, policy, "inspect", ctx)
    _one_of("outcome", outcome, ("pass", "fail"))
    names = [name.strip() for name in experts]
    if not all(names):
        raise InvalidAct(key="inspect.expert-name", field="experts", rule="R4")
    payload: dict[str, Any] = {"outcome": outcome, "inspectors": list(inspectors) or [ctx.actor], "findings": findings}
    if names:
        payload["experts"] = names
    return _one(case, policy, calendar, ctx, "inspect", payload)


@decides("approve")
def approve(case: Case, policy: Policy, calendar: WorkCalendar, ctx: Recording, *,
            round_quota: RoundQuota | None = None, tier: str | None = None,
            combined_with: Sequence[str] = (), decision_number: str | None = None) -> list[Event]:
    """`round_quota`: the case's round's quota and its approvals so far, where it has one (R19);
    `tier`: the subsidy tier the base is recognised at, where the policy has tiers (R20);
    `combined_with`: the base's recognitions in force, with money, of the programmes the policy's
    subsidy is not paid on top of (R23); `decision_number`: the 批复文号 it was issued under (issue 15)."""
    _check(case, policy, "approve", ctx)
    chosen = _tier(policy, tier)
    if ctx.actor == case.inspected_by or ctx.actor in case.inspectors:
        raise FourEyesViolation("approve", ctx.actor, "inspect", "R5")
    if round_quota is not None and round_quota.approved >= round_quota.limit:
        raise QuotaReached(round_quota.year, round_quota.limit, round_quota.approved)
    end = policy.period_from(ctx.on)
    if end is None:
        raise InvalidAct(key="approve.policy-ended", field="on", rule="R6", policy=policy.title,
                         ended=policy.effective_to)
    # R22: with a public notice the recognition, its period and its instalments wait for the notice's end
    payload = (public_notice(case, policy.public_notice_period, calendar, ctx.on) if policy.public_notice_period
               else recognition(policy, ctx.on, chosen))
    if (other := _not_combined(policy, combined_with)) is not None:
        payload["instalments"], payload["not_combined_with"] = [], other  # R23: 不重复享受
    if chosen is not None:  # the tier and the criterion it was chosen by, as the policy states them
        payload["tier"] = {"name": chosen.name, "criterion": chosen.criterion, "amount_fen": chosen.amount_fen}
    if round_quota is not None:  # the place it takes: the auditor sees the quota was kept
        payload["round"] = {"year": round_quota.year, "quota": round_quota.limit,
                            "approved_before": round_quota.approved}
    return _one(case, policy, calendar, ctx, "approve", {**payload, **_decision_number(decision_number)})


def recognition(policy: Policy, start: date, tier: Tier | None = None) -> dict[str, Any]:
    """R5, R6, R11, R20: the first period and the subsidy instalments of a recognition dated `start`
    (the approval's day; with a public notice, the notice's end, R22); a plan that ended meanwhile
    leaves a period of that one day (R6)."""
    end = policy.period_from(start) or start
    return {
        "period": {"number": 1, "start": start.isoformat(), "end": end.isoformat()},
        "instalments": subsidy.grant(policy, tier, start),
    }


def _tier(policy: Policy, name: str | None) -> Tier | None:
    """R20: the tier named, one of the policy's; a policy without tiers takes none."""
    names = [t.name for t in policy.subsidy_tiers]
    if not policy.subsidy_tiers:
        if name is not None:
            raise InvalidAct(key="approve.no-tiers", field="tier", rule="R20", policy=policy.title)
        return None
    chosen = next((t for t in policy.subsidy_tiers if t.name == (name or "").strip()), None)
    if chosen is None:
        raise InvalidAct(key="approve.tier", field="tier", rule="R20", tiers=list(names), given=name)
    return chosen


# --- the public notice (R22) ----------------------------------------------------------------

def notice_days(approved_on: date, period: Duration, calendar: WorkCalendar) -> tuple[date, date, bool]:
    """R22, R15, R16: the first and last day of a notice decided on `approved_on`, and whether either is
    provisional. It is published the day after (art. 201: the day of the decision is not counted): in
    working days, from the next working day to the n-th; in days, from the next day to the deadline."""
    first = (add_working_days(approved_on, 1, calendar) if period.working_days
             else CalendarDate(approved_on + timedelta(days=1), False))
    last = deadline(approved_on, period, calendar)
    return first.date, last.date, first.provisional or last.provisional


def public_notice(case: Case, period: Duration, calendar: WorkCalendar, approved_on: date) -> dict[str, Any]:
    first, last, provisional = notice_days(approved_on, period, calendar)
    number = case.notice.number + 1 if case.notice else 1
    return {"notice": {"number": number, "period": str(period), "first_day": first.isoformat(),
                       "last_day": last.isoformat(), "provisional": provisional}}


def end_of_notice(case: Case, policy: Policy, on: date, start: date, reason: str,
                  extra: dict[str, Any] | None = None) -> Draft:
    """R22: the notice ended without an objection upheld: the recognition dated `start` (the notice's
    last day, or the later day its last objection was dismissed), its period and instalments from then."""
    assert case.notice is not None
    return Draft("end_public_notice", on, SYSTEM_ACTOR, reason, "R22",
                 {**(extra or {}), "notice": case.notice.number, **recognition(policy, start, _tier_of(case, policy))})


def _tier_of(case: Case, policy: Policy) -> Tier | None:
    """The tier the approval chose (R20), which the recognition at the notice's end grants."""
    return next((t for t in policy.subsidy_tiers if t.name == case.tier), None)


@decides("record_objection")
def record_objection(case: Case, policy: Policy, calendar: WorkCalendar, ctx: Recording, *,
                     objection_id: str, summary: str) -> list[Event]:
    _check(case, policy, "record_objection", ctx)
    notice = case.notice
    assert notice is not None, "a case in publicized has its notice"
    if not notice.first_day <= ctx.on <= notice.last_day:
        raise OutsideNotice(ctx.on, notice.first_day, notice.last_day)
    if case.objection(objection_id) is not None:
        raise InvalidAct(key="objection.recorded", field="objection_id", rule="R22", objection_id=objection_id)
    if not summary.strip():
        raise InvalidAct(key="objection.summary", field="summary", rule="R22")
    return _one(case, policy, calendar, ctx, "record_objection",
                {"objection_id": objection_id, "notice": notice.number, "summary": summary})


@decides("decide_objection")
def decide_objection(case: Case, policy: Policy, calendar: WorkCalendar, ctx: Recording, *,
                     objection_id: str, decision: str) -> list[Event]:
    """R22: dismiss (the notice goes on, or ends at once if its last day has passed) or uphold (back to
    `inspected` for a new decision). A decision on the recognition: nobody who inspected may take it (R5)."""
    _check(case, policy, "decide_objection", ctx)
    if ctx.actor == case.inspected_by or ctx.actor in case.inspectors:
        raise FourEyesViolation("decide_objection", ctx.actor, "inspect", "R5")
    _one_of("decision", decision, ("dismiss", "uphold"))
    waiting = [o.id for o in case.open_objections()]
    if objection_id not in waiting:
        raise InvalidAct(key="objection.not-waiting", field="objection_id", rule="R22", objection_id=objection_id,
                         waiting=waiting)
    return _one(case, policy, calendar, ctx, "decide_objection", {"objection_id": objection_id, "decision": decision})


@decides("reject")
def reject(case: Case, policy: Policy, calendar: WorkCalendar, ctx: Recording, *,
           decision_number: str | None = None) -> list[Event]:
    _check(case, policy, "reject", ctx)
    return _one(case, policy, calendar, ctx, "reject", _decision_number(decision_number))


def _decision_number(number: str | None) -> dict[str, Any]:
    """issue 15: the 批复文号 a decision was issued under, where one is given (left out: none recorded)."""
    if number is None:
        return {}
    if not number.strip():
        raise InvalidAct("a decision number (批复文号) is text; leave it out for none", field="decision_number",
                         rule="R5")
    return {"decision_number": number.strip()}


@decides("withdraw")
def withdraw(case: Case, policy: Policy, calendar: WorkCalendar, ctx: Recording) -> list[Event]:
    _check(case, policy, "withdraw", ctx)
    return _one(case, policy, calendar, ctx, "withdraw")


# --- in force (R7–R11) ---------------------------------------------------------------------

@decides("submit_annual_report")
def submit_annual_report(case: Case, policy: Policy, calendar: WorkCalendar, ctx: Recording, *,
                         year: int) -> list[Event]:
    _check(case, policy, "submit_annual_report", ctx)
    if policy.annual_report_due is None:
        raise InvalidAct(key="report.none", field="year", rule="R7", policy=policy.title)
    first = case.recognized_on.year if case.recognized_on else ctx.on.year
    if not first <= year <= ctx.on.year:
        raise InvalidAct(key="report.year", field="year", rule="R7", first=first, last=ctx.on.year, year=year)
    if year in case.reports:
        raise InvalidAct(key="report.submitted", field="year", rule="R7", year=year, submitted=case.reports[year])
    return _one(case, policy, calendar, ctx, "submit_annual_report", {"year": year})


@decides("record_assessment")
def record_assessment(case: Case, policy: Policy, calendar: WorkCalendar, ctx: Recording, *,
                      outcome: str, grade: str | None = None, campaign_year: int | None = None,
                      combined_with: Sequence[str] = ()) -> list[Event]:
    """R8; R21: with yearly campaigns, the result of `campaign_year` (the oldest year owed when
    left out); refused before the first day the assessment may be recorded."""
    _check(case, policy, "record_assessment", ctx)
    grade = _grade(policy, outcome, grade)
    owed = _assessment_to_record(case, policy, campaign_year)
    if owed.opens is not None and ctx.on < owed.opens:
        raise AssessmentNotOpen(owed.key, owed.index, owed.period, ctx.on, owed.opens, owed.due,
                                campaign=assessments.campaigns(policy))
    payload: dict[str, Any] = {"period": owed.period, "index": owed.index, "outcome": outcome, "grade": grade}
    payload.update(rectification_payload(policy, calendar, outcome, ctx.on))
    _earns(case, policy, payload, ctx.on, combined_with)
    return _one(case, policy, calendar, ctx, "record_assessment", payload)


def _assessment_to_record(case: Case, policy: Policy, campaign_year: int | None) -> assessments.Owed:
    if campaign_year is None:
        owed = assessments.next_to_record(case, policy)
        assert owed is not None  # _check found one
        return owed
    if not assessments.campaigns(policy):
        raise InvalidAct(key="assessment.no-campaigns", field="campaign_year", rule="R21", policy=policy.title)
    waiting = assessments.outstanding(case, policy)
    owed = next((o for o in waiting if o.index == campaign_year), None)
    if owed is None:
        raise InvalidAct(key="assessment.not-owed", field="campaign_year", rule="R21", campaign_year=campaign_year,
                         owed=[o.index for o in waiting])
    return owed


def rectification_payload(policy: Policy, calendar: WorkCalendar, outcome: str, on: date) -> dict[str, Any]:
    """R9: a failed (or missed) assessment under a policy with rectification opens it, with its deadline."""
    if outcome == "pass" or policy.rectification_period is None:
        return {}
    due = deadline(on, policy.rectification_period, calendar)
    return {"rectification": {"deadline": due.date.isoformat(), "provisional": due.provisional,
                              "period": str(policy.rectification_period)}}


@decides("record_rectification")
def record_rectification(case: Case, policy: Policy, calendar: WorkCalendar, ctx: Recording, *,
                         outcome: str, grade: str | None = None, combined_with: Sequence[str] = ()) -> list[Event]:
    _check(case, policy, "record_rectification", ctx)
    _one_of("outcome", outcome, ("pass", "fail"))
    payload: dict[str, Any] = {"outcome": outcome, "grade": _grade(policy, outcome, grade)}
    # a passing re-assessment passes the assessment it replaces, which earned nothing when it failed
    _earns(case, policy, payload, ctx.on, combined_with)
    return _one(case, policy, calendar, ctx, "record_rectification", payload)


def _earns(case: Case, policy: Policy, payload: dict[str, Any], on: date, combined_with: Sequence[str]) -> None:
    """R20: a passing assessment of a grade the policy pays for adds its instalment to the payload —
    unless the base's money of another programme excludes it (R23: the payload names that case)."""
    if payload["outcome"] == "pass" and (instalment := subsidy.earned(case, policy, payload["grade"], on)):
        if (other := _not_combined(policy, combined_with)) is not None:
            payload["not_combined_with"] = other
        else:
            payload["instalment"] = instalment


def _not_combined(policy: Policy, combined_with: Sequence[str]) -> str | None:
    """R23: the recognition whose money this case's is not paid on top of (不重复享受), if any."""
    return combined_with[0] if policy.subsidy_not_combined_with and combined_with else None


def _grade(policy: Policy, outcome: str, grade: str | None) -> str:
    outcomes = ("pass", "fail", "missed") if policy.missed_grade else ("pass", "fail")
    _one_of("outcome", outcome, outcomes)
    if outcome == "missed":
        return policy.missed_grade or ""
    grades = policy.pass_grades if outcome == "pass" else policy.fail_grades
    if grade is None and len(grades) == 1:
        return grades[0]
    if grade not in grades:
        raise InvalidAct(key="assessment.grade", field="grade", rule="R8", outcome=outcome, grades=list(grades),
                         grade=grade)
    return grade


@decides("reevaluate")
def reevaluate(case: Case, policy: Policy, calendar: WorkCalendar, ctx: Recording, *, decision: str) -> list[Event]:
    _check(case, policy, "reevaluate", ctx)
    _one_of("decision", decision, ("extend", "lapse"))
    payload: dict[str, Any] = {"decision": decision}
    if decision == "extend":
        period = next_period(case, policy)
        if period is None:
            raise InvalidAct(key="reevaluate.policy-ended", field="decision", rule="R6", policy=policy.title,
                             ended=policy.effective_to)
        payload["period"] = period
    return _one(case, policy, calendar, ctx, "reevaluate", payload)


def next_period(case: Case, policy: Policy) -> dict[str, Any] | None:
    """The new period starts where the old one ends (R10), and runs the policy's length (R6), or to
    the plan's end; None where the recognition ends with a plan that has ended."""
    assert case.period is not None
    start = case.period.end
    end = policy.period_from(start)
    if end is None:
        return None
    return {"number": case.period.number + 1, "start": start.isoformat(), "end": end.isoformat()}


@decides("record_payment")
def record_payment(case: Case, policy: Policy, calendar: WorkCalendar, ctx: Recording, *,
                   number: int, amount_fen: int) -> list[Event]:
    """R11: a due instalment paid; R20: where the policy takes part payments, less than it still
    owes is recorded as a part and the rest stays due."""
    _check(case, policy, "record_payment", ctx)
    inst = next((i for i in case.instalments if i.number == number), None)
    if inst is None or inst.status != "due":
        due = [i.number for i in case.instalments if i.status == "due"]
        raise InvalidAct(key="payment.not-due", field="number", rule="R11", number=number, due=due)
    outstanding = inst.outstanding_fen
    if amount_fen > outstanding:
        raise InvalidAct(key="payment.over", field="amount_fen", rule="R20" if policy.partial_payments else "R11",
                         number=number, outstanding_fen=outstanding, amount_fen=amount_fen)
    if amount_fen < outstanding and not policy.partial_payments:
        raise InvalidAct(key="payment.whole", field="amount_fen", rule="R11", number=number,
                         instalment_fen=inst.amount_fen, amount_fen=amount_fen, outstanding_fen=outstanding,
                         part_payments=False)
    payload: dict[str, Any] = {"number": number, "amount_fen": amount_fen}
    if not policy.partial_payments:
        return _one(case, policy, calendar, ctx, "record_payment", payload)
    payload.update(paid_fen=inst.paid_fen + amount_fen, outstanding_fen=outstanding - amount_fen)
    rule = "R20" if amount_fen < outstanding else "R11"  # a part payment is R20's
    return record(case, policy, calendar, [Draft("record_payment", ctx.on, ctx.actor, ctx.reason, rule, payload)],
                  ctx.now)


@decides("record_repayment")
def record_repayment(case: Case, policy: Policy, calendar: WorkCalendar, ctx: Recording, *,
                     amount_fen: int) -> list[Event]:
    """R20: money owed back after a revocation on a clawback ground, paid back, in parts or at once."""
    _check(case, policy, "record_repayment", ctx)
    assert case.clawback is not None  # _check: something is owed back
    outstanding = case.clawback.outstanding_fen
    if amount_fen > outstanding:
        raise InvalidAct(key="repayment.over", field="amount_fen", rule="R20", outstanding_fen=outstanding,
                         amount_fen=amount_fen)
    return _one(case, policy, calendar, ctx, "record_repayment",
                {"amount_fen": amount_fen, "outstanding_fen": outstanding - amount_fen})


# --- misconduct (R12–R14) ------------------------------------------------------------------

@decides("record_complaint")
def record_complaint(case: Case, policy: Policy, calendar: WorkCalendar, ctx: Recording, *,
                     complaint_id: str, summary: str) -> list[Event]:
    _check(case, policy, "record_complaint", ctx)
    if case.complaint(complaint_id) is not None:
        raise InvalidAct(key="complaint.recorded", field="complaint_id", rule="R12", complaint_id=complaint_id)
    if not summary.strip():
        raise InvalidAct(key="complaint.summary", field="summary", rule="R12")
    return _one(case, policy, calendar, ctx, "record_complaint",
                {"complaint_id": complaint_id, "summary": summary})


@decides("verify_complaint")
def verify_complaint(case: Case, policy: Policy, calendar: WorkCalendar, ctx: Recording, *,
                     complaint_id: str, valid: bool) -> list[Event]:
    _check(case, policy, "verify_complaint", ctx)
    complaint = case.complaint(complaint_id)
    if complaint is None or complaint.valid is not None:
        waiting = [c.id for c in case.complaints if c.valid is None]
        raise InvalidAct(key="complaint.not-waiting", field="complaint_id", rule="R12", complaint_id=complaint_id,
                         waiting=waiting)
    return _one(case, policy, calendar, ctx, "verify_complaint", {"complaint_id": complaint_id, "valid": valid})


@decides("suspend")
def suspend(case: Case, policy: Policy, calendar: WorkCalendar, ctx: Recording, *, ground: str) -> list[Event]:
    _check(case, policy, "suspend", ctx)
    _one_of("ground", ground, MISCONDUCT_GROUNDS)
    return _one(case, policy, calendar, ctx, "suspend", {"ground": ground})


@decides("reinstate")
def reinstate(case: Case, policy: Policy, calendar: WorkCalendar, ctx: Recording) -> list[Event]:
    _check(case, policy, "reinstate", ctx)
    return _one(case, policy, calendar, ctx, "reinstate", {"back_to": case.suspended_from})


@decides("revoke")
def revoke(case: Case, policy: Policy, calendar: WorkCalendar, ctx: Recording, *, ground: str) -> list[Event]:
    _check(case, policy, "revoke", ctx)
    _one_of("ground", ground, REVOCATION_GROUNDS)
    if ground == "rectification_failed":
        if not case.has_flag("rectification_review_due"):
            raise InvalidAct(key="revoke.rectification", field="ground", rule="R9")
    elif ground not in MISCONDUCT_GROUNDS:
        raise InvalidAct(key="revoke.by-hand", field="ground", rule="R14", ground=ground)
    if case.state == "suspended" and case.suspended_by not in (None, SYSTEM_ACTOR) and case.suspended_by == ctx.actor:
        raise FourEyesViolation("revoke", ctx.actor, "suspend", "R13")
    rule = "R9" if ground == "rectification_failed" else "R12"
    return record(case, policy, calendar, [_revocation(case, policy, ctx.on, ctx.actor, ground, ctx.reason, rule)],
                  ctx.now)


def _one_of(field: str, value: Any, choices: Sequence[str]) -> None:
    if value not in choices:
        raise InvalidAct(key="act.choice", field=field, choices=list(choices), value=value)
