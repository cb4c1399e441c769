"""R19 over HTTP: a supervisor announces a year's round (dates, quota, notice); applications outside
an announced round are refused; approvals beyond the quota are refused as /problems/quota-reached."""
from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.http import CASES, apply_body, ok, problem
from tests.policy_variants import variant, with_policies

# Guizhou's rules with announced rounds, in force from a day after Guizhou's own so that it governs
ANNOUNCED = variant("520000", replace={"effective_from": date(2022, 7, 23), "application_window": {
    "announced": True, "quota": 1, "clause": "测试：每年公布申报安排，名额1个", "default": True}})
ROUND = {"policy_id": ANNOUNCED.id, "year": 2025, "opens_on": "2025-05-06", "closes_on": "2025-06-30",
         "document": "黔人社通〔2025〕8号", "reason": "公布2025年度省级创业孵化示范基地申报安排"}


@pytest.fixture
def rt(rt):
    return with_policies(rt, ANNOUNCED)


def test_r19_a_round_announced_over_http_governs_applications_and_its_quota(rt, clock, callers):
    wang, li = callers["caseworker.wang"], callers["supervisor.li"]
    clock.set_day(date(2025, 5, 8))
    problem(wang.post(CASES, json=apply_body(on="2025-05-07")), 409, "/problems/no-round-announced")
    problem(wang.post("/api/v1/rounds", json=ROUND), 403, "/problems/forbidden")
    announced = ok(li.post("/api/v1/rounds", json=ROUND), 201)
    assert (announced["quota"], announced["announcement"]["by"], announced["announcement"]["document"]) == (
        1, "supervisor.li", "黔人社通〔2025〕8号")
    problem(li.post("/api/v1/rounds", json=ROUND), 409, "/problems/round-already-announced")
    assert [r["year"] for r in ok(wang.get(f"/api/v1/rounds?policy_id={ANNOUNCED.id}"))] == [2025]

    ids = [ok(wang.post(CASES, json=apply_body(on="2025-05-07", seed=n)), 201)["id"] for n in (1, 2)]
    for cid in ids:
        ok(callers["caseworker.zhao"].act(cid, "inspect", on="2025-05-08", reason="现场考察", outcome="pass"))
    ok(li.act(ids[0], "approve", on="2025-05-08", reason="予以认定"))
    refused = problem(li.act(ids[1], "approve", on="2025-05-08", reason="予以认定"), 409, "/problems/quota-reached")
    assert (refused["quota"], refused["approved"]) == (1, 1)
    assert ok(wang.get(f"{CASES}/{ids[1]}"))["state"] == "inspected"
