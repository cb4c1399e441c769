"""R23 over HTTP: an application names its programme; the programme's policy governs it, asks for
the base's recognition of another programme at the same level, and the answer shows the programme;
a programme id that is not one is 422, and the policies list says which programme each runs."""
from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.http import CASES, apply_body, ok, problem
from tests.policy_variants import variant, with_policies
from tests.story import Story

# a provincial programme of Guizhou's chosen from its provincial bases, paid by grade and not on
# top of a base's money (Qingdao's shape, at Guizhou's level: the test users work in 520000)
PARK = variant("520000", replace={
    "programme": "park", "effective_from": date(2022, 7, 23), "title": "测试：高能级园区",
    "prerequisite": {"level": "provincial", "programme": "base", "clause": "测试：须为省级创业孵化基地"}},
    subsidy={"not_combined_with": ["base"]})


@pytest.fixture
def rt(rt):
    return with_policies(rt, PARK)


def test_r23_an_application_to_a_programme_over_http(rt, clock, callers):
    wang = callers["caseworker.wang"]
    clock.set_day(date(2024, 4, 8))
    refused = problem(wang.post(CASES, json=apply_body(on="2024-04-08", programme="park")), 409,
                      "/problems/prerequisite-missing")
    assert (refused["required_level"], refused["required_programme"]) == ("provincial", "base")

    base = Story(rt, clock)
    base.recognize(date(2023, 4, 10), date(2023, 5, 10), date(2023, 6, 30), seed=1, base="贵阳市创业园1")
    clock.set_day(date(2024, 4, 8))
    park = ok(wang.post(CASES, json=apply_body(on="2024-04-08", programme="park")), 201)
    assert (park["programme"], park["policy"]["id"]) == ("park", "test-520000")
    assert ok(wang.get(f"{CASES}/{base.case_id}"))["programme"] == "base"  # the base's own case, open too
    first = ok(wang.get(f"{CASES}/{park['id']}/events"))[0]
    assert first["payload"]["programme"] == "park"
    assert first["payload"]["prerequisite"] == {"level": "provincial", "programme": "base", "case_id": base.case_id}
    problem(wang.post(CASES, json=apply_body(on="2024-04-08", programme="park")), 409, "/problems/open-case-exists")

    problem(wang.post(CASES, json=apply_body(on="2024-04-08", seed=2, programme="高能级")), 422,
            "/problems/validation")
    listed = {(p["id"], p["version"]): p["programme"] for p in ok(wang.get("/api/v1/policies"))}
    assert listed[("test-520000", 1)] == "park" and listed[("guizhou-provincial-2022", 1)] == "base"
