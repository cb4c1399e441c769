"""R10/R6: what follows the end of a recognition period, as a policy says — a new application
required (the case lapses by itself), a decision awaited for at most a set time (then it lapses), or
a validity that ends with the plan (effective_to). Runs on SQLite, PostgreSQL and the in-memory storage."""
from __future__ import annotations

from datetime import date as D

import pytest

from statemachines.errors import InvalidAct
from tests.policy_variants import variant, with_policies
from tests.story import INSPECTOR, SUPERVISOR, Story

pytestmark = pytest.mark.memory

REVIEW = {"auto_extend_when_all_passed": False, "clause": "测试：期满复评", "default": True}


def recognised(rt, clock, jurisdiction: str, approved: D = D(2024, 6, 14)) -> Story:
    story = Story(rt, clock)
    story.apply(D(approved.year, 4, 8), jurisdiction=jurisdiction)
    story.act("inspect", D(approved.year, 5, 16), actor=INSPECTOR, outcome="pass")
    story.act("approve", approved, actor=SUPERVISOR)
    return story


def test_r10_a_policy_that_asks_for_a_new_application_lapses_the_case_at_its_end(rt, clock):
    rt = with_policies(rt, variant("420000", replace={"reevaluation": {**REVIEW, "at_end": "reapply"}}))
    story = recognised(rt, clock, "420000")
    assert story.timers()[("reevaluation", "1")] == D(2029, 6, 14)
    story.until(D(2029, 6, 13))
    assert story.case.state in ("recognized", "assessed")
    story.until(D(2029, 6, 14))
    story.until(D(2029, 6, 14))  # a second sweep the same day records nothing more
    case = story.case
    assert (case.state, case.end_reason) == ("lapsed", "lapsed")
    assert [e.payload.get("why") for e in story.events if e.act == "lapse"] == ["reapply"]
    # the base applies anew in the next round
    again = Story(rt, clock)
    assert again.apply(D(2030, 4, 8), jurisdiction="420000").case.state == "applied"


def test_r10_a_decision_awaited_for_six_months_then_the_recognition_lapses(rt, clock):
    rt = with_policies(rt, variant("430000", replace={"reevaluation": {**REVIEW, "pending_for": "6m"}}))
    story = recognised(rt, clock, "430000")
    story.until(D(2029, 6, 14))
    assert story.case.has_flag("reevaluation_review_due") and story.case.state in ("recognized", "assessed")
    # in force provisionally through 2029-12-14, the last day the decision may come
    assert story.timers()[("reevaluation_decision", "1")] == D(2029, 12, 14)
    story.until(D(2029, 12, 14))
    assert story.case.state != "lapsed"
    story.until(D(2029, 12, 15))
    story.until(D(2029, 12, 16))
    lapses = [e for e in story.events if e.act == "lapse"]
    assert [(e.on, e.payload["why"]) for e in lapses] == [(D(2029, 12, 15), "undecided")]
    assert story.case.state == "lapsed" and story.timers() == {}


def test_r10_a_decision_within_the_time_drops_the_lapse(rt, clock):
    rt = with_policies(rt, variant("430000", replace={"reevaluation": {**REVIEW, "pending_for": "6m"}}))
    story = recognised(rt, clock, "430000")
    story.until(D(2029, 6, 14))
    story.act("reevaluate", D(2029, 9, 1), actor=SUPERVISOR, decision="extend")
    assert ("reevaluation_decision", "1") not in story.timers()
    story.until(D(2029, 12, 15))
    assert story.case.state == "recognized" and story.case.period.number == 2


def test_r6_a_recognition_that_ends_with_the_plan(rt, clock):
    """Qingdao's shape: a plan for 2024–2026; a recognition under it ends with the plan, whatever the
    period's length, and is not extended past it."""
    plan = variant("370200", replace={"level": "municipal", "effective_to": D(2026, 12, 31)},
                   recognition={"period": "3y", "ends_with_plan": True})
    rt = with_policies(rt, plan)
    story = Story(rt, clock)
    story.apply(D(2025, 4, 8), jurisdiction="370200", level="municipal")
    story.act("inspect", D(2025, 5, 16), actor=INSPECTOR, outcome="pass")
    story.act("approve", D(2025, 6, 14), actor=SUPERVISOR)
    assert story.case.period.end == D(2026, 12, 31)
    story.until(D(2026, 12, 31))
    lapse = next(e for e in story.events if e.act == "lapse")
    assert (lapse.on, lapse.payload["why"], story.case.state) == (D(2026, 12, 31), "plan_ended", "lapsed")


def test_r6_no_recognition_starts_after_the_plan_it_ends_with(rt, clock):
    plan = variant("370200", replace={"level": "municipal", "effective_to": D(2025, 4, 30)},
                   recognition={"period": "3y", "ends_with_plan": True})
    rt = with_policies(rt, plan)
    story = Story(rt, clock)
    story.apply(D(2025, 4, 8), jurisdiction="370200", level="municipal")
    story.act("inspect", D(2025, 5, 16), actor=INSPECTOR, outcome="pass")
    with pytest.raises(InvalidAct) as refused:
        story.act("approve", D(2025, 6, 14), actor=SUPERVISOR)
    assert refused.value.rule == "R6" and story.case.state == "inspected"
