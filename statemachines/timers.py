"""The timers a case has pending: derived from its state, never stored as a separate truth.

After every act the service writes this set: new timers are added, timers no longer owed are
dropped unless already fired, so a sweep fires what the case owes and nothing else.
`due_on` is the legal date people see (a deadline, the end of a period); `fires_on` is the
business date the system acts: the day after a deadline (the deadline day is still in time),
the day itself for the end of a period, a ban's end or an instalment. A public notice's timer is
due the day after its last day (as a ban's end is): only then is it sure no objection came in on time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from statemachines.assessments import outstanding
from statemachines.case import Case
from statemachines.lifecycle import IN_FORCE
from statemachines.periods import CalendarDate, deadline, move_off_rest_days, period_end
from statemachines.policy import Policy
from statemachines.workcalendar import WorkCalendar

# kinds whose due date is the last day to act: the system acts the day after
DEADLINE_KINDS = ("annual_report", "assessment", "rectification", "reevaluation_decision", "clawback")
KINDS = (*DEADLINE_KINDS, "reevaluation", "ban_end", "instalment", "public_notice")


@dataclass(frozen=True)
class Timer:
    kind: str
    key: str
    due_on: date
    provisional: bool = False

    @property
    def fires_on(self) -> date:
        return self.due_on + timedelta(days=1) if self.kind in DEADLINE_KINDS else self.due_on

    @property
    def ident(self) -> tuple[str, str]:
        return (self.kind, self.key)


def timers_for(case: Case, policy: Policy, calendar: WorkCalendar) -> list[Timer]:
    timers: list[Timer] = []
    if case.state in (*IN_FORCE, "suspended"):
        timers += _annual_reports(case, policy, calendar)
    if case.state in ("recognized", "assessed"):
        timers += _assessments(case, policy, calendar)
        timers += [Timer("instalment", str(i.number), i.due_on) for i in case.instalments if i.status == "scheduled"]
    if case.state == "rectifying" and case.rectification is not None:
        r = case.rectification
        timers.append(Timer("rectification", f"{r.period}.{r.index}", r.deadline, r.provisional))
    if case.state in IN_FORCE and case.period is not None and not case.has_flag("reevaluation_review_due"):
        timers.append(Timer("reevaluation", str(case.period.number), case.period.end))
    if case.state in IN_FORCE and case.period is not None and case.has_flag("reevaluation_review_due") \
            and policy.decision_pending_for is not None:
        # R10: the last day it stays in force awaiting the decision; it lapses the day after
        timers.append(Timer("reevaluation_decision", str(case.period.number),
                            period_end(case.period.end, policy.decision_pending_for)))
    if case.state == "revoked" and case.ban is not None and case.ban.ended_on is None and case.ban.last_day:
        timers.append(Timer("ban_end", "1", case.ban.last_day + timedelta(days=1)))
    if case.state == "revoked" and (clawback := _clawback(case, policy, calendar)) is not None:
        timers.append(clawback)
    # R22: the notice's end recognises; an objection waiting for a decision holds it back (not owed until then)
    if case.state == "publicized" and case.notice is not None and not case.open_objections():
        n = case.notice
        timers.append(Timer("public_notice", str(n.number), n.last_day + timedelta(days=1), n.provisional))
    return timers


def _clawback(case: Case, policy: Policy, calendar: WorkCalendar) -> Timer | None:
    """R20: the last day to repay what a revocation made owed back, while some is still owed and the
    sweep has not yet found it overdue; derived afresh, so a newly loaded calendar moves it (R16)."""
    claw = case.clawback
    if claw is None or claw.outstanding_fen <= 0 or policy.clawback_within is None \
            or case.has_flag("clawback_overdue"):
        return None
    due = deadline(claw.since, policy.clawback_within, calendar)
    return Timer("clawback", "1", due.date, due.provisional)


def _annual_reports(case: Case, policy: Policy, calendar: WorkCalendar) -> list[Timer]:
    """R7: one report for each calendar year in force, due on the policy's date the year after."""
    if case.recognized_on is None or case.period is None:
        return []
    out = []
    for year in range(case.recognized_on.year, case.period.end.year + 1):
        if year in case.reports or case.has_flag(f"annual_report_overdue:{year}"):
            continue
        due = _report_due(policy, year, calendar)
        if due is None or due.date <= case.recognized_on:  # none asked, or due before the base was recognised
            continue
        out.append(Timer("annual_report", str(year), due.date, due.provisional))
    return out


def _report_due(policy: Policy, year: int, calendar: WorkCalendar) -> CalendarDate | None:
    """R7: the report on `year`'s due day moved off rest days: a pure function of the policy, the year and
    the calendar (a calendar never changes once built), asked once for each (issue 16)."""
    key = ("annual_report", year, calendar)
    if key not in policy.memo:
        deadline = policy.annual_report_deadline(year)
        policy.memo[key] = None if deadline is None else move_off_rest_days(deadline, calendar)
    found: CalendarDate | None = policy.memo[key]
    return found


def _assessments(case: Case, policy: Policy, calendar: WorkCalendar) -> list[Timer]:
    """R8, R21: the period's assessments not yet recorded, each due on its day, moved off rest days."""
    out = []
    for owed in outstanding(case, policy):
        if case.has_flag(f"assessment_overdue:{owed.key}"):
            continue
        due = move_off_rest_days(owed.due, calendar)
        out.append(Timer("assessment", owed.key, due.date, due.provisional))
    return out


def awaiting_review(case: Case) -> list[tuple[str, str]]:
    """The fired timers whose consequence waits for a person: an assessment the sweep found overdue
    in the current period, a rectification or a re-evaluation it put up for review, money owed back
    past its deadline (R20). Their flags stay on the case until someone acts, so these are (kind,
    key) of timers that fired and still count."""
    out: list[tuple[str, str]] = []
    if case.period is not None:
        prefix = f"assessment_overdue:{case.period.number}."
        out += [("assessment", flag.split(":", 1)[1]) for flag in case.flags if flag.startswith(prefix)]
        if case.has_flag("reevaluation_review_due"):
            out.append(("reevaluation", str(case.period.number)))
    if case.has_flag("rectification_review_due") and case.rectification is not None:
        out.append(("rectification", f"{case.rectification.period}.{case.rectification.index}"))
    if case.has_flag("clawback_overdue") and case.clawback is not None and case.clawback.outstanding_fen > 0:
        out.append(("clawback", "1"))
    return out
