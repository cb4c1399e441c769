"""Issue 16: GET /api/v1/cases pages by keyset: `next` (and `next_after`) lead through every case
once; `offset` other than 0 and a cursor of another order are refused (422), not read as page 1."""
from __future__ import annotations

from datetime import date

from services.case_listing import encode_cursor
from tests.e2e.http import CASES, apply_body, ok, problem
from tests.story import credit_code


def test_issue16_the_api_list_follows_next_through_every_case_once(clock, callers):
    wang = callers["caseworker.wang"]
    clock.set_day(date(2024, 4, 20))
    made = {ok(wang.post(CASES, json=apply_body(on=f"2024-04-{8 + i % 9:02d}", seed=i + 1)), 201)["id"]
            for i in range(11)}
    for sort in ("-applied_on", "state"):
        seen, answer = [], ok(wang.get(CASES, params={"limit": 4, "sort": sort}))
        while True:
            assert answer["total"] == 11 and answer["total_capped"] is False
            seen += [c["id"] for c in answer["items"]]
            if answer["next"] is None:
                assert answer["next_after"] is None
                break
            assert f"after={answer['next_after']}" in answer["next"]
            answer = ok(wang.get(answer["next"]))
        assert len(seen) == 11 and set(seen) == made, sort
    problem(wang.get(CASES, params={"offset": 4}), 422, "/problems/validation")
    assert ok(wang.get(CASES, params={"offset": 0}))["total"] == 11
    wrong = encode_cursor("state", "applied", "x")
    refused = problem(wang.get(CASES, params={"after": wrong, "sort": "-applied_on"}), 422, "/problems/validation")
    assert refused["field"] == "after"
    problem(wang.get(CASES, params={"after": "garbage"}), 422, "/problems/validation")


def test_issue16_q_holding_a_whole_credit_code_lists_that_operators_cases(clock, callers):
    """services.case_listing.whole_credit_code through the API: `q` with a whole credit code, in lower
    case as typed, lists the operator's cases, and not a case whose base is named after that code."""
    wang = callers["caseworker.wang"]
    clock.set_day(date(2024, 4, 20))
    theirs = {ok(wang.post(CASES, json=apply_body(seed=3, base={"name": f"六盘水创业园{i}", "address": "六盘水"})),
                 201)["id"] for i in range(2)}
    code = credit_code(3)
    other = ok(wang.post(CASES, json=apply_body(seed=4, base={"name": f"{code}号园", "address": "六盘水"})), 201)["id"]
    found = ok(wang.get(CASES, params={"q": code.lower()}))
    assert {c["id"] for c in found["items"]} == theirs and found["total"] == 2
    assert other in {c["id"] for c in ok(wang.get(CASES, params={"q": code[:17]}))["items"]}
