"""R18 over HTTP, in Guizhou's 2024 round (a 市(州) recognition first): refused as
/problems/prerequisite-missing naming both levels; accepted with the recognition's 文号 where it is
recorded elsewhere, which the case's first event keeps."""
from __future__ import annotations

from datetime import date

import pytest

from services.policies import default_policies
from tests.e2e.http import CASES, apply_body, ok, problem
from tests.policy_variants import with_policies


@pytest.fixture
def rt(rt):
    return with_policies(rt, default_policies().get("guizhou-provincial-2022", 2))


def test_r18_the_2024_round_asks_for_a_municipal_recognition(rt, clock, callers):
    wang = callers["caseworker.wang"]
    clock.set_day(date(2024, 5, 6))
    refused = problem(wang.post(CASES, json=apply_body(on="2024-05-06")), 409, "/problems/prerequisite-missing")
    assert (refused["level"], refused["required_level"]) == ("provincial", "municipal")
    case = ok(wang.post(CASES, json=apply_body(on="2024-05-06", prerequisite_document="筑人社通〔2023〕45号")), 201)
    assert (case["policy"]["id"], case["policy"]["version"]) == ("guizhou-provincial-2022", 2)
    first = ok(wang.get(f"{CASES}/{case['id']}/events"))[0]
    assert first["payload"]["prerequisite"] == {"level": "municipal", "document": "筑人社通〔2023〕45号"}
