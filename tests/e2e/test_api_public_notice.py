"""R22 through the HTTP API: an approval under a policy with a public notice (公示) shows the case
publicized with the notice's dates; objections are recorded and decided through the act routes, the
refusals are problems, and the notice's end recognises the base.

The policy is Guizhou's rules for Guiyang (520100, a test's) with `public_notice.period = "5wd"`:
approved on Friday 2024-06-14, the notice runs 06-17 to 06-21 and ends with the sweep of 06-22.
"""
from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from services import users
from services.sweep import sweep
from tests.e2e.conftest import USERS, Caller
from tests.e2e.http import CASES, apply_body, ok, problem
from tests.policy_variants import variant, with_policies

GUIYANG = "520100"


@pytest.fixture
def notice_rt(rt):
    policy = variant(GUIYANG, replace={"public_notice": {"period": "5wd", "clause": "测试用条款：公示5个工作日"}})
    return with_policies(rt, policy)


@pytest.fixture
def people(notice_rt) -> dict[str, Caller]:
    with TestClient(create_app(runtime=notice_rt)) as client:
        out = {}
        for username, (name, role, scopes) in USERS.items():
            users.add_user(notice_rt, username, name, [(role, code) for code in scopes])
            out[username] = Caller(client, username, users.create_token(notice_rt, username, "test"))
        yield out


def until(rt, clock, day: date) -> None:
    clock.set_day(day)
    assert not sweep(rt, day).failed


def test_r22_objections_through_the_api_and_the_notices_end(notice_rt, clock, people):
    wang, zhao, li, sun = (people[u] for u in ("caseworker.wang", "caseworker.zhao", "supervisor.li",
                                               "supervisor.sun"))
    until(notice_rt, clock, date(2024, 4, 8))
    cid = ok(wang.post(CASES, json=apply_body(jurisdiction=GUIYANG)), 201)["id"]
    until(notice_rt, clock, date(2024, 5, 16))
    ok(zhao.act(cid, "inspect", on="2024-05-16", reason="现场考察", outcome="pass",
                inspectors=["caseworker.zhao", "supervisor.sun"]))

    until(notice_rt, clock, date(2024, 6, 14))
    case = ok(li.act(cid, "approve", on="2024-06-14", reason="经审批，拟予认定，公示"))
    assert (case["state"], case["state_name"], case["period"], case["instalments"]) == (
        "publicized", "公示中", None, [])
    assert case["notice"] == {"number": 1, "approved_on": "2024-06-14", "first_day": "2024-06-17",
                              "last_day": "2024-06-21", "provisional": False, "running": True, "ended_on": None,
                              "outcome": None}
    assert [(t["kind"], t["due_on"]) for t in case["timers"]] == [("public_notice", "2024-06-22")]
    assert case["allowed_actions"] == ["reject", "withdraw", "record_objection"]
    listed = ok(wang.get("/api/v1/timers", params={"kind": "public_notice"}))["items"]
    assert [(t["case_id"], t["due_on"]) for t in listed] == [(cid, "2024-06-22")]

    # an objection is received during the notice only; the refusal names the business date
    until(notice_rt, clock, date(2024, 6, 18))
    early = problem(wang.act(cid, "record_objection", on="2024-06-15", reason="收到异议", summary="x"),
                    422, "/problems/outside-notice")
    assert (early["field"], early["rule"], early["last_day"]) == ("on", "R22", "2024-06-21")
    case = ok(wang.act(cid, "record_objection", on="2024-06-18", reason="收到书面异议",
                       summary="反映该基地在孵企业数量与申报材料不符", objection_id="yy-1"))
    assert case["state"] == "publicized" and case["timers"] == []  # the end waits for the decision
    assert case["objections"] == [{"id": "yy-1", "notice": 1, "received_on": "2024-06-18",
                                   "summary": "反映该基地在孵企业数量与申报材料不符", "decision": None,
                                   "decided_on": None}]

    # deciding it is a supervisor's act, and not one who took part in the inspection (R5)
    until(notice_rt, clock, date(2024, 6, 19))
    assert "decide_objection" not in ok(sun.get(f"{CASES}/{cid}"))["allowed_actions"]
    assert ok(li.get(f"{CASES}/{cid}"))["allowed_actions"] == ["reject", "withdraw", "record_objection",
                                                               "decide_objection"]
    problem(wang.act(cid, "decide_objection", on="2024-06-19", reason="x", objection_id="yy-1", decision="dismiss"),
            403, "/problems/forbidden")
    four_eyes = problem(sun.act(cid, "decide_objection", on="2024-06-19", reason="x", objection_id="yy-1",
                                decision="dismiss"), 403, "/problems/four-eyes")
    assert four_eyes["rule"] == "R5"
    problem(li.act(cid, "decide_objection", on="2024-06-19", reason="x", objection_id="yy-1", decision="ignore"),
            422, "/problems/validation")
    case = ok(li.act(cid, "decide_objection", on="2024-06-19", reason="经核查，异议不成立", objection_id="yy-1",
                     decision="dismiss"))
    assert case["state"] == "publicized" and case["objections"][0]["decision"] == "dismiss"
    assert [(t["kind"], t["due_on"]) for t in case["timers"]] == [("public_notice", "2024-06-22")]

    # the sweep the day after the last day recognises, as of that last day
    until(notice_rt, clock, date(2024, 6, 22))
    case = ok(wang.get(f"{CASES}/{cid}"))
    assert case["state"] == "recognized"
    assert case["period"] == {"number": 1, "start": "2024-06-21", "end": "2029-06-21"}
    assert (case["notice"]["running"], case["notice"]["ended_on"], case["notice"]["outcome"]) == (
        False, "2024-06-22", "recognized")
    events = ok(wang.get(f"{CASES}/{cid}/events"))
    assert [(e["act"], e["on"], e["actor"], e["rule"]) for e in events][-2:] == [
        ("end_public_notice", "2024-06-22", "system", "R22"), ("instalment_due", "2024-06-22", "system", "R11")]

    [detail] = ok(wang.get("/api/v1/policies/test-520100"))["versions"]
    assert detail["parameters"]["public_notice_period"] == "5wd"
    assert detail["clauses"]["public_notice"]["rule"] == "R22"


def test_r22_an_upheld_objection_through_the_api_goes_back_for_a_new_decision(notice_rt, clock, people):
    wang, zhao, li = (people[u] for u in ("caseworker.wang", "caseworker.zhao", "supervisor.li"))
    until(notice_rt, clock, date(2024, 4, 8))
    cid = ok(wang.post(CASES, json=apply_body(jurisdiction=GUIYANG, seed=2)), 201)["id"]
    until(notice_rt, clock, date(2024, 5, 16))
    ok(zhao.act(cid, "inspect", on="2024-05-16", reason="现场考察", outcome="pass"))
    until(notice_rt, clock, date(2024, 6, 14))
    ok(li.act(cid, "approve", on="2024-06-14", reason="拟予认定"))
    until(notice_rt, clock, date(2024, 6, 20))
    objection = ok(wang.act(cid, "record_objection", on="2024-06-20", reason="收到异议", summary="场地系租用且已到期"))
    generated = objection["objections"][0]["id"]  # given by the system when left out
    case = ok(li.act(cid, "decide_objection", on="2024-06-20", reason="经核查，异议属实", objection_id=generated,
                     decision="uphold"))
    assert case["state"] == "inspected" and case["notice"]["outcome"] == "objection_upheld"
    assert case["allowed_actions"] == ["approve", "reject", "withdraw"]
    assert ok(li.act(cid, "reject", on="2024-06-20", reason="不予认定"))["state"] == "rejected"
