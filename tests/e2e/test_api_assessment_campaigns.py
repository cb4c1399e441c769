"""R21 over HTTP: an assessment recorded before its first day is a 409 problem naming that day,
writes nothing, and the case does not offer the act until then."""
from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.http import CASES, apply_body, ok, problem
from tests.policy_variants import variant, with_policies

# Guiyang's policy (a test's): Guizhou's, with an assessment recordable from 3 months before it is due
GUIYANG = variant("520100", assessment={"opens_before": "3m"})


@pytest.fixture
def rt(rt):
    return with_policies(rt, GUIYANG)


def test_r21_an_assessment_before_its_first_day_is_409_assessment_not_open(rt, clock, callers):
    wang, zhao, li, chen = (callers[u] for u in ("caseworker.wang", "caseworker.zhao", "supervisor.li",
                                                  "auditor.chen"))
    clock.set_day(date(2024, 4, 8))
    cid = ok(wang.post(CASES, json=apply_body(jurisdiction="520100")), 201)["id"]
    clock.set_day(date(2024, 5, 16))
    ok(zhao.act(cid, "inspect", on="2024-05-16", reason="现场考察", outcome="pass"))
    clock.set_day(date(2024, 6, 14))
    assert ok(li.act(cid, "approve", on="2024-06-14", reason="予以认定"))["policy"]["id"] == "test-520100"

    clock.set_day(date(2024, 6, 21))
    case = ok(wang.get(f"{CASES}/{cid}"))
    assert "record_assessment" not in case["allowed_actions"]
    assert [(t["key"], t["due_on"]) for t in case["timers"] if t["kind"] == "assessment"] == [
        ("1.1", "2026-06-15"), ("1.2", "2028-06-14")]
    before = ok(chen.get(f"{CASES}/{cid}/events"))
    body = problem(wang.act(cid, "record_assessment", on="2024-06-21", reason="两年期考核", outcome="pass"),
                   409, "/problems/assessment-not-open")
    assert (body["rule"], body["field"], body["assessment"], body["opens"], body["due"]) == (
        "R21", "on", "1.1", "2026-03-14", "2026-06-14")
    assert "may be recorded from 2026-03-14" in body["detail"]
    assert ok(chen.get(f"{CASES}/{cid}/events")) == before

    clock.set_day(date(2026, 3, 16))
    assert "record_assessment" in ok(wang.get(f"{CASES}/{cid}"))["allowed_actions"]
    case = ok(wang.act(cid, "record_assessment", on="2026-03-16", reason="两年期考核", outcome="pass"))
    assert case["state"] == "assessed"


def test_r21_the_act_takes_a_campaign_year(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]["RecordAssessmentIn"]
    assert schema["properties"]["campaign_year"]["anyOf"][0] == {"type": "integer", "minimum": 1990, "maximum": 2200}
