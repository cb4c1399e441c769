"""Two clients on one case: `If-Match` lets exactly one of them win; `Idempotency-Key` makes a
repeated POST return the first answer and write nothing more.
"""
from __future__ import annotations

import threading
from datetime import date

from fastapi.testclient import TestClient

from api.main import create_app
from tests.e2e.conftest import Caller
from tests.e2e.http import CASES, apply_body, ok, problem


def recognized_case(callers, clock, seed: int = 1) -> str:
    clock.set_day(date(2024, 4, 8))
    cid = ok(callers["caseworker.wang"].post(CASES, json=apply_body(seed=seed)), 201)["id"]
    clock.set_day(date(2024, 5, 16))
    ok(callers["caseworker.zhao"].act(cid, "inspect", on="2024-05-16", reason="现场考察", outcome="pass"))
    clock.set_day(date(2024, 6, 14))
    ok(callers["supervisor.li"].act(cid, "approve", on="2024-06-14", reason="予以认定"))
    return cid


def events(callers, cid: str) -> list[dict]:
    return ok(callers["auditor.chen"].get(f"{CASES}/{cid}/events"))


def total(callers) -> int:
    return ok(callers["auditor.chen"].get(CASES))["total"]


def second_client(rt, caller: Caller) -> tuple[TestClient, Caller]:
    """Another client (its own app instance and connection) signed in as the same user."""
    other = TestClient(create_app(runtime=rt))
    return other, Caller(other, caller.username, caller.token)


def warm_up(caller: Caller, cid: str) -> None:
    """One request per route before the race: FastAPI builds a route's state on its first request,
    and two fresh apps doing that at once in two threads is a race of the test harness, not of
    the service (one event loop serves every request in production). A stale If-Match writes nothing."""
    assert caller.get(f"{CASES}/{cid}").status_code == 200
    assert caller.act(cid, "record_complaint", **complaint(99), headers={"If-Match": "0"}).status_code == 412


def complaint(n: int) -> dict:
    return {"on": "2024-07-01", "reason": "收到投诉", "complaint_id": f"c{n}", "summary": f"入驻企业投诉{n}"}


# --- If-Match ---------------------------------------------------------------------------------------

def test_if_match_two_clients_read_the_same_version_one_wins_the_other_gets_412(rt, clock, callers):
    cid = recognized_case(callers, clock)
    clock.set_day(date(2024, 7, 1))
    wang = callers["caseworker.wang"]
    other_client, zhao = second_client(rt, callers["caseworker.zhao"])
    with other_client:
        seen_a = wang.get(f"{CASES}/{cid}")
        seen_b = zhao.get(f"{CASES}/{cid}")
        assert ok(seen_a)["version"] == ok(seen_b)["version"] == 3
        assert seen_a.headers["ETag"] == seen_b.headers["ETag"] == '"3"'
        before = events(callers, cid)

        first = wang.act(cid, "record_complaint", **complaint(1), headers={"If-Match": seen_a.headers["ETag"]})
        second = zhao.act(cid, "record_complaint", **complaint(2), headers={"If-Match": seen_b.headers["ETag"]})
    assert ok(first)["version"] == 4 and first.headers["ETag"] == '"4"'
    body = problem(second, 412, "/problems/stale-version")
    assert (body["expected"], body["actual"]) == (3, 4)
    after = events(callers, cid)
    assert after[:-1] == before and len(after) == len(before) + 1
    assert (after[-1]["actor"], after[-1]["payload"]["complaint_id"]) == ("caseworker.wang", "c1")
    assert [c["id"] for c in ok(wang.get(f"{CASES}/{cid}"))["complaints"]] == ["c1"]


def test_if_match_two_simultaneous_requests_exactly_one_wins(rt, clock, callers):
    cid = recognized_case(callers, clock)
    clock.set_day(date(2024, 7, 1))
    wang, zhao = callers["caseworker.wang"], callers["caseworker.zhao"]
    for round_ in range(4):
        version = ok(wang.get(f"{CASES}/{cid}"))["version"]
        before = events(callers, cid)
        clients = [second_client(rt, wang), second_client(rt, zhao)]
        barrier = threading.Barrier(2)
        results: list = [None, None]

        # bound per round: a thread outliving its join(60) must not see the next round's barrier or results
        def post(i: int, caller: Caller, *, barrier=barrier, results=results, round_=round_,
                 version=version) -> None:
            barrier.wait()
            results[i] = caller.act(cid, "record_complaint", **complaint(10 * round_ + i),
                                    headers={"If-Match": str(version)})

        with clients[0][0], clients[1][0]:
            for _, caller in clients:
                warm_up(caller, cid)
            threads = [threading.Thread(target=post, args=(i, c)) for i, (_, c) in enumerate(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
        statuses = sorted(r.status_code for r in results)
        assert statuses == [200, 412], [r.text for r in results]
        loser = next(r for r in results if r.status_code == 412)
        assert loser.json()["type"] == "/problems/stale-version"
        after = events(callers, cid)
        assert after[:-1] == before and len(after) == len(before) + 1
        assert ok(wang.get(f"{CASES}/{cid}"))["version"] == version + 1


# --- Idempotency-Key ---------------------------------------------------------------------------------

def test_the_same_act_posted_twice_with_one_key_is_answered_once(rt, clock, callers):
    cid = recognized_case(callers, clock)
    clock.set_day(date(2024, 7, 1))
    wang = callers["caseworker.wang"]
    key = {"Idempotency-Key": "complaint-2024-07-01-a"}
    first = wang.act(cid, "record_complaint", **complaint(1), headers=key)
    assert ok(first)["version"] == 4 and "Idempotent-Replayed" not in first.headers
    before = events(callers, cid)
    again = wang.act(cid, "record_complaint", **complaint(1), headers=key)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert events(callers, cid) == before
    assert len(ok(wang.get(f"{CASES}/{cid}"))["complaints"]) == 1


def test_r3_the_same_application_posted_twice_with_one_key_opens_one_case(rt, clock, callers):
    clock.set_day(date(2024, 4, 8))
    wang = callers["caseworker.wang"]
    key = {"Idempotency-Key": "apply-guiyang-2024"}
    first = wang.post(CASES, json=apply_body(), headers=key)
    assert ok(first, 201)["version"] == 1 and "Idempotent-Replayed" not in first.headers
    again = wang.post(CASES, json=apply_body(), headers=key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and again.headers["Location"] == first.headers["Location"]
    assert total(callers) == 1
    assert len(events(callers, first.json()["id"])) == 1


def test_the_same_key_with_a_different_body_is_422_and_writes_nothing(rt, clock, callers):
    cid = recognized_case(callers, clock)
    clock.set_day(date(2024, 7, 1))
    wang = callers["caseworker.wang"]
    key = {"Idempotency-Key": "complaint-2024-07-01-b"}
    first = ok(wang.act(cid, "record_complaint", **complaint(1), headers=key))
    before = events(callers, cid), total(callers)
    for response in (wang.act(cid, "record_complaint", **complaint(2), headers=key),  # another body
                     wang.act(cid, "submit_annual_report", on="2024-07-01", reason="年报", year=2024,
                              headers=key),  # another act
                     wang.post(CASES, json=apply_body(seed=2), headers=key)):  # another endpoint
        body = problem(response, 422, "/problems/idempotency-key-reused")
        assert body["field"] == "Idempotency-Key"
    assert (events(callers, cid), total(callers)) == before
    assert ok(wang.get(f"{CASES}/{cid}"))["version"] == first["version"]


def test_a_replay_returns_the_first_answer_after_a_later_act_changed_the_case(rt, clock, callers):
    cid = recognized_case(callers, clock)
    clock.set_day(date(2024, 7, 1))
    wang, li = callers["caseworker.wang"], callers["supervisor.li"]
    key = {"Idempotency-Key": "complaint-2024-07-01-c"}
    first = wang.act(cid, "record_complaint", **complaint(1), headers={**key, "If-Match": "3"})
    assert ok(first)["state"] == "recognized"
    suspended = ok(li.act(cid, "suspend", on="2024-07-01", reason="暂停", ground="fraud"))
    assert (suspended["state"], suspended["version"]) == ("suspended", 5)
    before = events(callers, cid)
    # the same request again, its If-Match now stale: still the first answer, nothing written
    again = wang.act(cid, "record_complaint", **complaint(1), headers={**key, "If-Match": "3"})
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert (again.json()["state"], again.json()["version"]) == ("recognized", 4)
    assert events(callers, cid) == before
    assert ok(wang.get(f"{CASES}/{cid}"))["version"] == 5


def test_keys_are_per_user_another_user_with_the_same_key_is_a_new_request(rt, clock, callers):
    cid = recognized_case(callers, clock)
    clock.set_day(date(2024, 7, 1))
    key = {"Idempotency-Key": "shared-key"}
    ok(callers["caseworker.wang"].act(cid, "record_complaint", **complaint(1), headers=key))
    theirs = callers["caseworker.zhao"].act(cid, "record_complaint", **complaint(2), headers=key)
    assert ok(theirs)["version"] == 5 and "Idempotent-Replayed" not in theirs.headers
    assert [c["id"] for c in theirs.json()["complaints"]] == ["c1", "c2"]


def test_two_simultaneous_posts_with_one_key_write_once(rt, clock, callers):
    cid = recognized_case(callers, clock)
    clock.set_day(date(2024, 7, 1))
    wang = callers["caseworker.wang"]
    before = events(callers, cid)
    clients = [second_client(rt, wang), second_client(rt, wang)]
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def post(i: int, caller: Caller) -> None:
        barrier.wait()
        results[i] = caller.act(cid, "record_complaint", **complaint(1), headers={"Idempotency-Key": "together"})

    with clients[0][0], clients[1][0]:
        for _, caller in clients:
            warm_up(caller, cid)
        threads = [threading.Thread(target=post, args=(i, c)) for i, (_, c) in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    fresh = [r for r in results if r.status_code == 200 and "Idempotent-Replayed" not in r.headers]
    assert len(fresh) == 1, [(r.status_code, r.text) for r in results]
    other = next(r for r in results if r is not fresh[0])
    if other.status_code == 200:
        assert other.headers["Idempotent-Replayed"] == "true" and other.json() == fresh[0].json()
    else:
        problem(other, 409, "/problems/request-in-progress")
    after = events(callers, cid)
    assert after[:-1] == before and len(after) == len(before) + 1
