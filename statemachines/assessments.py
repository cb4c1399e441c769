"""Which assessments a case owes in its period, when each is due and from when it may be recorded.

Two schedules (policy `assessment.schedule`):
- "period" (R8): the period's assessments fall at the policy's offsets from the period's start,
  indexed 1, 2, … in the period; key "period.index", e.g. "1.2".
- "campaign" (R21): one assessment per calendar year N whose cut-off day falls within the period
  (after its first day, which is not counted, up to its last) and by which the base has been
  recognised long enough; indexed by the campaign year, key "period.year", e.g. "1.2025".

Each owed assessment has its due date as the policy sets it (the timer moves it off rest days,
R16) and, where the policy gives one, the first day it may be recorded (R21): `opens_before`
counted back from the due date, or the campaign's opening day.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from statemachines.case import Case, Period
from statemachines.periods import counted_back, period_end
from statemachines.policy import Policy


@dataclass(frozen=True)
class Owed:
    period: int
    index: int  # 1, 2, … in the period ("period"), or the campaign year ("campaign")
    due: date  # the last day to record it, before rest days move it
    opens: date | None  # the first day it may be recorded; None: from the period's start

    @property
    def key(self) -> str:
        return f"{self.period}.{self.index}"


def campaigns(policy: Policy) -> bool:
    return policy.assessment_schedule == "campaign"


def owed(case: Case, policy: Policy) -> list[Owed]:
    """Every assessment the current period owes, recorded or not, oldest first."""
    period = case.period
    if period is None:
        return []
    # a pure function of the policy, the period and (for campaigns) the recognition's day: asked once
    # per combination (every timers_for asks it, issue 16)
    key = ("owed", period.number, period.start, period.end, None if policy.campaign is None else case.recognized_on)
    found: tuple[Owed, ...] | None = policy.memo.get(key)
    if found is None:
        found = policy.memo[key] = tuple(_owed(period, case.recognized_on, policy))
    return list(found)


def _owed(period: Period, recognized_on: date | None, policy: Policy) -> list[Owed]:
    if policy.campaign is None:
        out = []
        for index, offset in enumerate(policy.assessment_offsets(), start=1):
            due = period_end(period.start, offset)
            before = policy.assessment_opens_before
            out.append(Owed(period.number, index, due, None if before is None else counted_back(due, before)))
        return out
    campaign, recognized = policy.campaign, recognized_on or period.start
    return [Owed(period.number, year, campaign.results_deadline(year), campaign.opening_day(year))
            for year in range(period.start.year, period.end.year + 1)
            if period.start < campaign.cutoff_day(year) <= period.end and campaign.eligible(recognized, year)]


def outstanding(case: Case, policy: Policy) -> list[Owed]:
    """The period's assessments not yet recorded (a re-assessment after rectification adds none)."""
    done = case.assessed_indexes()
    return [o for o in owed(case, policy) if o.index not in done]


def next_to_record(case: Case, policy: Policy) -> Owed | None:
    """What record_assessment records when no year is named: the period's next assessment after the
    last recorded one ("period"), or the oldest campaign year still owed ("campaign")."""
    if campaigns(policy):
        waiting = outstanding(case, policy)
        return waiting[0] if waiting else None
    index = max(case.assessed_indexes(), default=0) + 1
    return next((o for o in owed(case, policy) if o.index == index), None)


def all_passed_first_time(case: Case, policy: Policy) -> bool:
    """R10: every assessment the period owes recorded, and each passed at the first attempt."""
    recorded = case.assessments_in_period()
    return {o.index for o in owed(case, policy)} <= case.assessed_indexes() and all(
        a.outcome == "pass" and a.first_attempt for a in recorded)
