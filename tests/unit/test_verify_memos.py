"""Issue 16 (R7, R8, R16): the deadlines `timers_for` asks for again and again are remembered per
calendar and per policy, and a remembered answer is never another calendar's or policy's: a newly
loaded calendar moves a deadline (R16), a new policy version owes other assessments (R8)."""
from __future__ import annotations

import dataclasses
from datetime import date

from bench import common as c
from statemachines.assessments import owed
from statemachines.periods import Duration, move_off_rest_days
from statemachines.timers import timers_for
from statemachines.workcalendar import WorkCalendar, YearNotice

MONDAY = date(2030, 4, 1)


def calendar(rest: frozenset[date] = frozenset()) -> WorkCalendar:
    return WorkCalendar([YearNotice(2030, "test", rest, frozenset()),
                         YearNotice(2031, "test", frozenset(), frozenset())])


def test_r16_a_deadline_moved_on_one_calendar_is_not_remembered_for_another():
    plain, holiday = calendar(), calendar(frozenset({MONDAY}))
    assert move_off_rest_days(MONDAY, plain).date == MONDAY
    assert move_off_rest_days(MONDAY, holiday).date == date(2030, 4, 2)  # the same question, another calendar
    assert move_off_rest_days(MONDAY, plain).date == MONDAY  # and the first answer still stands


def test_r7_the_reports_a_case_owes_follow_the_calendar_it_is_asked_with():
    case, _, policy, calendar_ = c.recognized_case(reports=0)
    first = timers_for(case, policy, calendar_)
    reports = [t for t in first if t.kind == "annual_report"]
    assert reports
    # the first report's due day made a holiday: a calendar loaded later moves it (R16)
    day = reports[0].due_on
    moved = WorkCalendar([YearNotice(year, "test", frozenset({day} if year == day.year else ()), frozenset())
                          for year in range(2024, 2040)])
    again = [t for t in timers_for(case, policy, moved) if t.ident == reports[0].ident]
    assert again[0].due_on > reports[0].due_on
    assert timers_for(case, policy, calendar_) == first


def test_r8_assessments_remembered_for_one_policy_are_not_another_versions():
    case, _, policy, _ = c.recognized_case(reports=0)
    before = owed(case, policy)
    assert len(before) > 1
    other = dataclasses.replace(policy, assessment_first=Duration(months=6), version=policy.version + 1)
    assert "memo" not in other.__dict__ and other == dataclasses.replace(other)  # the memo is no field
    assert owed(case, other) != before
    assert owed(case, policy) == before
    owed(case, policy).clear()  # a caller's list is its own: the remembered answer is not changed
    assert owed(case, policy) == before
