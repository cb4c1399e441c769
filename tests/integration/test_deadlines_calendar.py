"""Issue 15, the deadlines calendar's service: the pending deadlines from today to the horizon, of the
cases within the user's jurisdictions, by day with the official calendar's word for the day. Runs on
SQLite, PostgreSQL and the in-memory storage."""
from __future__ import annotations

from dataclasses import replace
from datetime import date as D

import pytest

from services import deadlines_calendar as calendar
from services import users
from tests.story import INSPECTOR, SUPERVISOR, Story

pytestmark = pytest.mark.memory


@pytest.fixture
def recognized(rt, clock) -> str:
    story = Story(rt, clock)
    story.apply(D(2024, 4, 8), seed=1, base="贵阳市大学生创业园")
    story.act("inspect", D(2024, 5, 10), actor=INSPECTOR, outcome="pass")
    story.act("approve", D(2024, 12, 10), actor=SUPERVISOR)
    return story.case_id


def test_issue15_the_calendar_holds_the_deadlines_from_today_to_the_horizon_only(rt, recognized):
    guizhou = users.add_user(rt, "caseworker.gz", "王芳", [("caseworker", "520000")])
    shanghai = users.add_user(rt, "caseworker.sh", "胡军", [("caseworker", "310000")])
    first_assessment = (recognized, "assessment", "1.1", D(2026, 12, 10))

    def shown(user, today, weeks=calendar.WEEKS):
        return [(d.case_id, d.kind, d.key, d.due_on) for d in calendar.coming(rt, user, today, weeks)]

    assert first_assessment in shown(guizhou, D(2026, 12, 10))  # due today: still to do
    assert first_assessment not in shown(guizhou, D(2026, 12, 11))  # passed: the work queue's, not the calendar's
    assert first_assessment not in shown(guizhou, D(2026, 10, 14))  # 8 weeks end on 12-09
    assert first_assessment in shown(guizhou, D(2026, 10, 14), weeks=9)
    assert shown(shanghai, D(2026, 11, 22)) == []
    [deadline] = [d for d in calendar.coming(rt, guizhou, D(2026, 11, 22)) if d.kind == "assessment"]
    assert deadline.summary == "贵阳市大学生创业园：第1认定期第1次绩效考核"
    assert deadline.uid == f"{recognized}.assessment.1.1@incubase"


def test_issue15_each_day_says_what_the_official_calendar_makes_it(rt, recognized):
    guizhou = users.add_user(rt, "caseworker.gz", "王芳", [("caseworker", "520000")])
    [deadline] = [d for d in calendar.coming(rt, guizhou, D(2026, 11, 22)) if d.kind == "assessment"]
    days = calendar.by_day(rt, [replace(deadline, due_on=D(2026, 10, 1)), deadline,
                                replace(deadline, due_on=D(2026, 12, 12), key="x")])
    assert [(d.day, d.weekday, d.info.working, d.info.reason) for d in days] == [
        (D(2026, 10, 1), "周四", False, "国庆节"), (D(2026, 12, 10), "周四", True, "工作日"),
        (D(2026, 12, 12), "周六", False, "周末")]
