"""R9/R16: a policy may give a deadline in working days (整改期限20个工作日); it is the last of
them on the official calendar, 调休 make-up days counted, and the sweep acts the day after.
Runs on SQLite, PostgreSQL and the in-memory storage."""
from __future__ import annotations

from datetime import date as D

import pytest

from tests.policy_variants import variant, with_policies
from tests.story import INSPECTOR, SUPERVISOR, Story

pytestmark = pytest.mark.memory


def twenty_working_days():
    return variant("430000", rectification={"period": "20wd"})


def test_r9_r16_a_rectification_deadline_in_working_days(rt, clock):
    rt = with_policies(rt, twenty_working_days())
    story = Story(rt, clock)
    story.apply(D(2024, 4, 8), jurisdiction="430000", base="长沙市创业园")
    story.act("inspect", D(2024, 5, 16), actor=INSPECTOR, outcome="pass")
    story.act("approve", D(2024, 6, 14), actor=SUPERVISOR)
    # failed on Monday 2026-09-14; 20 working days, the day itself not counted: 12 in September (the
    # make-up Sunday 9-20 counted, 中秋 9-25 to 9-27 not), none in 国庆 (10-1 to 10-7), then 10-8, 10-9,
    # 10-10 (a make-up Saturday), 10-12 to 10-16 → Friday 2026-10-16
    case = story.act("record_assessment", D(2026, 9, 14), outcome="fail").case
    assert case.state == "rectifying" and case.rectification.deadline == D(2026, 10, 16)
    assert story.timers()[("rectification", "1.1")] == D(2026, 10, 16)
    story.until(D(2026, 10, 16))
    assert "rectification_review_due" not in story.case.flags  # the last working day is still in time
    story.until(D(2026, 10, 17))
    assert "rectification_review_due" in story.case.flags
