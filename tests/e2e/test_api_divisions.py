"""Over HTTP, a jurisdiction is a division of GB/T 2260 (statemachines/data/divisions.csv): applying
(R1) or granting a role under a code that is no division, or one since abolished, is 422
/problems/unknown-jurisdiction naming the code, and writes nothing."""
from __future__ import annotations

from datetime import date

from statemachines.jurisdiction import divisions
from tests.e2e.http import CASES, apply_body, ok, problem
from tests.e2e.test_api_errors import nothing_written


def test_r1_applying_under_a_code_that_is_no_division_is_422_naming_it(rt, clock, callers):
    clock.set_day(date(2024, 4, 8))
    wang = callers["caseworker.wang"]
    with nothing_written(callers):
        # 529999 passes for Guizhou by its first digits, but is no division
        body = problem(wang.post(CASES, json=apply_body(jurisdiction="529999")), 422, "/problems/unknown-jurisdiction")
        assert (body["field"], body["jurisdiction"]) == ("jurisdiction", "529999")
        assert body["detail"] == (f"jurisdiction '529999' is not a division in GB/T 2260 "
                                  f"(list of {divisions().as_of})")
        # 米林县 became 米林市 in 2023: the answer says which code is the division now
        body = problem(wang.post(CASES, json=apply_body(jurisdiction="540422")), 422, "/problems/unknown-jurisdiction")
        assert body["jurisdiction"] == "540422" and "now 540481 米林市" in body["detail"]
    # a county of Guizhou is a division: its provincial case is governed by Guizhou's policy
    case = ok(wang.post(CASES, json=apply_body(jurisdiction="520102")), 201)
    assert (case["jurisdiction"], case["policy"]["id"]) == ("520102", "guizhou-provincial-2022")


def test_a_grant_under_a_code_that_is_no_division_is_422_and_grants_nothing(callers):
    secadmin = callers["secadmin.wu"]
    before = secadmin.get("/api/v1/users").json()
    refused = secadmin.post("/api/v1/users/caseworker.zhao/grants",
                            json={"role": "caseworker", "jurisdiction": "529999"})
    assert refused.status_code == 422
    assert (refused.json()["type"], refused.json()["field"]) == ("/problems/unknown-jurisdiction", "jurisdiction")
    assert secadmin.get("/api/v1/users").json() == before
