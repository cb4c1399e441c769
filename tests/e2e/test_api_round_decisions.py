"""Issue 15 over HTTP: POST /api/v1/rounds/{policy}/{year}/decisions approves several inspected cases of a
round under one 批复文号, each case its own outcome (four eyes, If-Match as `version`), idempotent on
retry; a request wrong as a whole is problem+json and decides nothing."""
from __future__ import annotations

from datetime import date

from tests.e2e.http import CASES, apply_body, ok, problem

DECISIONS = "/api/v1/rounds/guizhou-provincial-2022/2024/decisions"
NUMBER = "黔人社复〔2024〕21号"


def _inspected(callers, *seeds: int, inspectors: tuple[str, ...] = ()) -> list[dict]:
    wang, zhao = callers["caseworker.wang"], callers["caseworker.zhao"]
    out = []
    for seed in seeds:
        case = ok(wang.post(CASES, json=apply_body(on="2024-04-08", seed=seed)), 201)
        out.append(ok(zhao.act(case["id"], "inspect", on="2024-04-20", reason="现场考察", outcome="pass",
                               inspectors=["caseworker.zhao", *inspectors])))
    return out


def _body(picked: list[dict], **over) -> dict:
    return {"decision": "approve", "decision_number": NUMBER, "on": "2024-05-10", "reason": "经集体研究，予以认定",
            "cases": [{"case_id": c["id"], "version": c["version"]} for c in picked], **over}


def test_issue15_one_decision_number_approves_each_case_and_refuses_the_one_four_eyes_forbids(clock, callers):
    clock.set_day(date(2024, 5, 10))
    li = callers["supervisor.li"]
    fine, took_part = _inspected(callers, 1), _inspected(callers, 2, inspectors=("supervisor.li",))
    waiting = ok(li.get(DECISIONS))
    assert [(w["case_id"], w["version"], w["may_decide"]) for w in waiting] == [
        (fine[0]["id"], fine[0]["version"], True), (took_part[0]["id"], took_part[0]["version"], False)]
    assert waiting[1]["inspectors"] == ["caseworker.zhao", "supervisor.li"]
    assert waiting[0]["inspected_on"] == "2024-04-20"
    answer = ok(li.post(DECISIONS, json=_body([*fine, *took_part])))
    assert answer["counts"] == {"decided": 1, "refused": 1}
    decided, refused = answer["outcomes"]
    assert (decided["outcome"], decided["state"]) == ("decided", "recognized")
    assert refused["outcome"] == "refused" and refused["problem"]["type"] == "/problems/four-eyes"
    events = ok(li.get(f"{CASES}/{fine[0]['id']}/events"))
    assert (events[-1]["act"], events[-1]["payload"]["decision_number"]) == ("approve", NUMBER)
    assert ok(li.get(f"{CASES}/{took_part[0]['id']}"))["state"] == "inspected"
    # another supervisor approves the one left, under the same document
    again = ok(callers["supervisor.sun"].post(DECISIONS, json=_body(took_part)))
    assert again["outcomes"][0]["outcome"] == "decided"


def test_issue15_a_retry_with_the_idempotency_key_returns_the_first_answer(clock, callers):
    clock.set_day(date(2024, 5, 10))
    li = callers["supervisor.li"]
    cases = _inspected(callers, 1, 2)
    first = li.post(DECISIONS, json=_body(cases), headers={"Idempotency-Key": "round-2024-21"})
    second = li.post(DECISIONS, json=_body(cases), headers={"Idempotency-Key": "round-2024-21"})
    assert ok(first) == ok(second) and second.headers["Idempotent-Replayed"] == "true"
    assert ok(first)["counts"] == {"decided": 2}
    # without the key, the same decision again: each case reported done, nothing written
    versions = [ok(li.get(f"{CASES}/{c['id']}"))["version"] for c in cases]
    assert ok(li.post(DECISIONS, json=_body(cases)))["counts"] == {"already_decided": 2}
    assert [ok(li.get(f"{CASES}/{c['id']}"))["version"] for c in cases] == versions
    problem(li.post(DECISIONS, json=_body(cases, reason="另一事由"), headers={"Idempotency-Key": "round-2024-21"}),
            422, "/problems/idempotency-key-reused")


def test_issue15_a_request_wrong_as_a_whole_is_a_problem_and_decides_nothing(clock, callers):
    clock.set_day(date(2024, 5, 10))
    li, wang = callers["supervisor.li"], callers["caseworker.wang"]
    cases = _inspected(callers, 1)
    problem(li.post(DECISIONS, json=_body([])), 422, "/problems/validation")
    problem(li.post(DECISIONS, json=_body(cases, decision_number="\u200b")), 422, "/problems/validation")
    problem(li.post(DECISIONS, json=_body([*cases, *cases])), 422, "/problems/invalid-act")
    problem(li.post(DECISIONS, json=_body(cases, decision="revoke")), 422, "/problems/validation")
    problem(li.post(DECISIONS.replace("guizhou-provincial-2022", "no-such-policy"), json=_body(cases)),
            422, "/problems/unknown-policy")
    problem(wang.post(DECISIONS, json=_body(cases)), 403, "/problems/forbidden")
    stale = ok(li.post(DECISIONS, json=_body(cases, cases=[{"case_id": cases[0]["id"], "version": 1}])))
    assert stale["outcomes"][0]["problem"]["type"] == "/problems/stale-version"
    assert ok(li.get(f"{CASES}/{cases[0]['id']}"))["state"] == "inspected"


def test_issue15_a_single_approval_records_its_decision_number_too(clock, callers):
    clock.set_day(date(2024, 5, 10))
    li = callers["supervisor.li"]
    [case] = _inspected(callers, 1)
    problem(li.act(case["id"], "approve", on="2024-05-10", reason="予以认定", decision_number=" "),
            422, "/problems/validation")
    ok(li.act(case["id"], "approve", on="2024-05-10", reason="予以认定", decision_number=NUMBER))
    assert ok(li.get(f"{CASES}/{case['id']}/events"))[-1]["payload"]["decision_number"] == NUMBER
    dossier = ok(li.get(f"{CASES}/{case['id']}/dossier"))
    assert dossier["events"][-1]["payload"]["decision_number"] == NUMBER
