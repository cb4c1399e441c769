"""Issue 16: GET /api/v1/cases pages by keyset: `next` (and `next_after`) lead through every case
once; `offset` other than 0 and a cursor of another order are refused (422), not read as page 1."""
from __future__ import annotations

from datetime import date

from services.case_listing import encode_cursor
from tests.e2e.http import CASES, apply_body, ok, problem


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
