"""R10 over HTTP: under a policy that awaits the re-evaluation decision for six months, the case
shows the last day of that wait as a timer, and after it the recognition has lapsed."""
from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.http import CASES, ok
from tests.policy_variants import variant, with_policies
from tests.story import Story

AWAITING = variant("520000", replace={"effective_from": date(2022, 7, 23), "reevaluation": {
    "auto_extend_when_all_passed": False, "pending_for": "6m", "clause": "测试：期满复评，待决定不超过6个月",
    "default": True}})


@pytest.fixture
def rt(rt):
    return with_policies(rt, AWAITING)


def test_r10_the_wait_for_a_decision_is_shown_and_then_the_case_lapses(rt, clock, callers):
    wang = callers["caseworker.wang"]
    story = Story(rt, clock)
    story.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14))
    story.until(date(2029, 6, 14))  # the period's last day: the review opens
    case = ok(wang.get(f"{CASES}/{story.case_id}"))
    assert [(t["key"], t["due_on"]) for t in case["timers"] if t["kind"] == "reevaluation_decision"] == [
        ("1", "2029-12-14")]
    story.until(date(2029, 12, 15))  # no decision came: the day after the wait, it lapses
    case = ok(wang.get(f"{CASES}/{story.case_id}"))
    assert case["state"] == "lapsed" and case["timers"] == []
    assert ok(wang.get(f"{CASES}/{story.case_id}/events"))[-1]["act"] == "lapse"
