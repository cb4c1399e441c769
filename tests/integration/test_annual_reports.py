"""R7 as policy data: a policy may ask for the report on year N in N+1 (Guizhou), in N itself, or
for no annual reports at all. Runs on SQLite, PostgreSQL and the in-memory storage."""
from __future__ import annotations

from datetime import date as D

import pytest

from statemachines.errors import InvalidAct
from tests.policy_variants import variant, with_policies
from tests.story import INSPECTOR, SUPERVISOR, Story

pytestmark = pytest.mark.memory


def hunan(**annual_report):
    """Hunan (a test's) with its own [annual_report] in place of Guizhou's."""
    return variant("430000", replace={"annual_report": {"clause": "测试用条款", **annual_report}})


def recognized(rt, clock) -> Story:
    story = Story(rt, clock)
    story.apply(D(2024, 4, 8), jurisdiction="430000", base="长沙市创业园")
    story.act("inspect", D(2024, 5, 16), actor=INSPECTOR, outcome="pass")
    story.act("approve", D(2024, 6, 14), actor=SUPERVISOR)
    return story


def reports_due(story: Story) -> dict[str, D]:
    return {key: due for (kind, key), due in story.timers().items() if kind == "annual_report"}


def test_r7_a_report_due_in_its_own_year(rt, clock):
    rt = with_policies(rt, hunan(due="12-31", year="same"))
    story = recognized(rt, clock)
    due = reports_due(story)
    # 2024-12-31 a Tuesday; 2028-12-31 a Sunday: the deadline moves to Tuesday 2029-01-02 (元旦 on Monday)
    assert due["2024"] == D(2024, 12, 31) and due["2028"] == D(2029, 1, 2) and len(due) == 6
    story.act("submit_annual_report", D(2024, 12, 20), year=2024)
    assert "2024" not in reports_due(story)


def test_r7_a_report_of_the_year_of_recognition_due_before_it_is_not_owed(rt, clock):
    rt = with_policies(rt, hunan(due="03-31", year="same"))
    due = reports_due(recognized(rt, clock))
    assert "2024" not in due and due["2025"] == D(2025, 3, 31)


def test_r7_a_policy_that_asks_for_no_annual_reports(rt, clock):
    rt = with_policies(rt, hunan(required=False))
    story = recognized(rt, clock)
    assert reports_due(story) == {}
    with pytest.raises(InvalidAct) as refused:
        story.act("submit_annual_report", D(2025, 3, 3), year=2024)
    assert refused.value.rule == "R7" and "no annual reports" in refused.value.message
