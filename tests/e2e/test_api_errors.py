"""Every error of the API contract: RFC 9457 problem+json with its own `type`, the members that
say what is wrong, and nothing written — the case, its history and the list of cases are the
same before and after each refused request.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from tests.e2e.http import CASES, apply_body, ok, problem
from tests.story import credit_code


def snapshot(reader, case_id: str | None) -> tuple:
    listed = ok(reader.get(CASES, params={"limit": 500}))
    if case_id is None:
        return (listed,)
    return listed, ok(reader.get(f"{CASES}/{case_id}")), ok(reader.get(f"{CASES}/{case_id}/events"))


@contextmanager
def nothing_written(callers, case_id: str | None = None):
    """The case, its history and the list of cases (with its total) are unchanged by the block."""
    reader = callers["auditor.chen"]
    before = snapshot(reader, case_id)
    yield
    assert snapshot(reader, case_id) == before


def applied_case(callers, clock, seed: int = 1) -> str:
    clock.set_day(date(2024, 4, 8))
    return ok(callers["caseworker.wang"].post(CASES, json=apply_body(seed=seed)), 201)["id"]


def recognized_case(callers, clock, seed: int = 1) -> str:
    cid = applied_case(callers, clock, seed)
    clock.set_day(date(2024, 5, 16))
    ok(callers["caseworker.zhao"].act(cid, "inspect", on="2024-05-16", reason="现场考察", outcome="pass"))
    clock.set_day(date(2024, 6, 14))
    ok(callers["supervisor.li"].act(cid, "approve", on="2024-06-14", reason="予以认定"))
    return cid


# --- 409: the act is not allowed in this state ------------------------------------------------

def test_r5_approving_an_application_not_yet_inspected_is_409_with_allowed_actions(rt, clock, callers):
    cid = applied_case(callers, clock)
    li = callers["supervisor.li"]
    clock.set_day(date(2024, 4, 20))
    with nothing_written(callers, cid):
        body = problem(li.act(cid, "approve", on="2024-04-20", reason="批复"), 409, "/problems/illegal-transition")
    assert body["allowed_actions"] == ["inspect", "reject", "withdraw"]
    assert body["allowed_actions"] == ok(li.get(f"{CASES}/{cid}"))["allowed_actions"]
    assert body["state"] == "applied" and body["act"] == "approve"


def test_r8_illegal_act_lists_only_the_acts_this_user_may_record(rt, clock, callers):
    """The 409's allowed_actions are the caller's, as on GET: a caseworker is not told to 'reject'."""
    cid = applied_case(callers, clock)
    wang = callers["caseworker.wang"]
    clock.set_day(date(2024, 4, 20))
    with nothing_written(callers, cid):
        body = problem(wang.act(cid, "record_assessment", on="2024-04-20", reason="考核", outcome="pass"),
                       409, "/problems/illegal-transition")
    assert body["allowed_actions"] == ok(wang.get(f"{CASES}/{cid}"))["allowed_actions"] == ["inspect", "withdraw"]


def test_r10_reevaluation_before_the_period_ends_is_409_not_due(rt, clock, callers):
    cid = recognized_case(callers, clock)
    sun = callers["supervisor.sun"]
    clock.set_day(date(2024, 7, 1))
    with nothing_written(callers, cid):
        body = problem(sun.act(cid, "reevaluate", on="2024-07-01", reason="复评", decision="extend"),
                       409, "/problems/not-due")
    assert "reevaluate" not in body["allowed_actions"]
    assert body["allowed_actions"] == ok(sun.get(f"{CASES}/{cid}"))["allowed_actions"]


# --- 412: stale If-Match ------------------------------------------------------------------------

def test_stale_if_match_is_412_and_writes_nothing(rt, clock, callers):
    cid = recognized_case(callers, clock)  # version 3
    li = callers["supervisor.li"]
    clock.set_day(date(2024, 7, 1))
    with nothing_written(callers, cid):
        body = problem(li.act(cid, "suspend", on="2024-07-01", reason="暂停", ground="fraud",
                              headers={"If-Match": '"2"'}), 412, "/problems/stale-version")
    assert (body["expected"], body["actual"]) == (2, 3)
    with nothing_written(callers, cid):
        body = problem(li.act(cid, "suspend", on="2024-07-01", reason="暂停", ground="fraud",
                              headers={"If-Match": "latest"}), 422, "/problems/invalid-act")
    assert body["field"] == "If-Match"
    # the current version is accepted
    assert ok(li.act(cid, "suspend", on="2024-07-01", reason="暂停", ground="fraud",
                     headers={"If-Match": 'W/"3"'}))["version"] == 4


# --- 409: ban in force, window closed, open case ------------------------------------------------

def test_r2_a_ban_in_force_is_409_naming_the_ban_and_its_last_day(rt, clock, callers):
    cid = recognized_case(callers, clock)
    clock.set_day(date(2024, 7, 1))
    revoked = ok(callers["supervisor.li"].act(cid, "revoke", on="2024-07-01", reason="弄虚作假", ground="fraud"))
    assert revoked["ban"]["last_day"] == "2029-07-01"
    clock.set_day(date(2025, 4, 8))
    with nothing_written(callers, cid):
        body = problem(callers["caseworker.wang"].post(CASES, json=apply_body("2025-04-08")),
                       409, "/problems/ban-in-force")
    assert "2029-07-01" in body["detail"] and body["ground"] == "fraud" and "Fraud" in body["detail"]
    assert (body["case_id"], body["ground"], body["level"], body["last_day"], body["rule"]) == (
        cid, "fraud", "provincial", "2029-07-01", "R2")


def test_r1_an_application_outside_the_window_is_409_naming_the_window(rt, clock, callers):
    clock.set_day(date(2024, 5, 6))
    with nothing_written(callers):
        body = problem(callers["caseworker.wang"].post(CASES, json=apply_body("2024-05-06")),
                       409, "/problems/window-closed")
    assert (body["opens"], body["closes"], body["rule"]) == ("2024-04-01", "2024-04-30", "R1")
    assert "2024-04-01" in body["detail"] and "2024-04-30" in body["detail"]


def test_r3_a_second_open_case_for_the_base_is_409(rt, clock, callers):
    cid = applied_case(callers, clock)
    with nothing_written(callers, cid):
        body = problem(callers["caseworker.zhao"].post(CASES, json=apply_body()), 409, "/problems/open-case-exists")
    assert body["case_id"] == cid and body["rule"] == "R3"


# --- 404 ------------------------------------------------------------------------------------------

def test_unknown_case_is_404_on_read_history_and_act(rt, clock, callers):
    cid = applied_case(callers, clock)
    wang = callers["caseworker.wang"]
    with nothing_written(callers, cid):
        for response in (wang.get(f"{CASES}/nope"), wang.get(f"{CASES}/nope/events"),
                         wang.act("nope", "inspect", on="2024-04-08", reason="考察", outcome="pass")):
            body = problem(response, 404, "/problems/case-not-found")
            assert body["case_id"] == "nope"


# --- 422: malformed input, each naming its field ---------------------------------------------------

def test_malformed_credit_code_is_422_naming_the_field(rt, clock, callers):
    clock.set_day(date(2024, 4, 8))
    wang = callers["caseworker.wang"]
    good = credit_code(1)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    for code in (bad_check, "91520100", "91520100MA6000001I"):
        body_in = apply_body()
        body_in["operator"]["credit_code"] = code
        with nothing_written(callers):
            body = problem(wang.post(CASES, json=body_in), 422, "/problems/invalid-credit-code")
        assert body["field"] in ("credit_code", "operator.credit_code")
    body = problem(wang.get("/api/v1/eligibility", params={"credit_code": bad_check, "level": "provincial"}),
                   422, "/problems/invalid-credit-code")
    assert body["field"] == "credit_code"


def test_impossible_date_is_422_naming_the_field(rt, clock, callers):
    cid = applied_case(callers, clock)
    clock.set_day(date(2025, 4, 8))
    wang = callers["caseworker.wang"]
    with nothing_written(callers, cid):
        body = problem(wang.post(CASES, json=apply_body("2025-02-30", seed=2)), 422, "/problems/validation")
        assert body["field"] == "applied_on"
        body = problem(wang.act(cid, "inspect", on="2025-02-30", reason="考察", outcome="pass"),
                       422, "/problems/validation")
        assert body["field"] == "on"
    body = problem(wang.get("/api/v1/eligibility", params={"credit_code": credit_code(1), "level": "provincial",
                                                          "on": "2025-02-30"}), 422, "/problems/validation")
    assert body["field"] == "on"


def test_unknown_jurisdiction_or_level_is_422_naming_the_field(rt, clock, callers):
    clock.set_day(date(2024, 4, 8))
    wang = callers["caseworker.wang"]
    with nothing_written(callers):
        for code in ("990000", "52000", "52000x"):
            body = problem(wang.post(CASES, json=apply_body(jurisdiction=code)), 422, "/problems/unknown-jurisdiction")
            assert body["field"] == "jurisdiction" and body["jurisdiction"] == code
        body = problem(wang.post(CASES, json=apply_body(level="regional")), 422, "/problems/validation")
        assert body["field"] == "level"
        # a level there is, but no policy of it in Guizhou
        body = problem(wang.post(CASES, json=apply_body(level="county")), 422, "/problems/unknown-policy")
        assert (body["field"], body["level"]) == ("jurisdiction", "county")
    body = problem(wang.get("/api/v1/eligibility", params={"credit_code": credit_code(1), "level": "regional"}),
                   422, "/problems/validation")
    assert body["field"] == "level"


def test_missing_field_is_422_naming_the_field(rt, clock, callers):
    cid = applied_case(callers, clock)
    wang = callers["caseworker.wang"]
    no_code = apply_body(seed=2)
    del no_code["operator"]["credit_code"]
    no_base = apply_body(seed=3)
    del no_base["base"]
    with nothing_written(callers, cid):
        assert problem(wang.post(CASES, json=no_code), 422, "/problems/validation")["field"] == "operator.credit_code"
        assert problem(wang.post(CASES, json=no_base), 422, "/problems/validation")["field"] == "base"
        assert problem(wang.act(cid, "inspect", on="2024-04-08", outcome="pass"),
                       422, "/problems/validation")["field"] == "reason"
        assert problem(wang.act(cid, "inspect", on="2024-04-08", reason="考察"),
                       422, "/problems/validation")["field"] == "outcome"
        assert problem(wang.act(cid, "inspect", reason="考察", outcome="pass"),
                       422, "/problems/validation")["field"] == "on"
        blank = problem(wang.act(cid, "inspect", on="2024-04-08", reason="   ", outcome="pass"),
                        422, "/problems/invalid-act")
        assert blank["field"] == "reason"


def test_r17_future_and_out_of_order_business_dates_are_422_on_the_date_field(rt, clock, callers):
    cid = applied_case(callers, clock)  # applied on 2024-04-08, the clock's day
    wang = callers["caseworker.wang"]
    with nothing_written(callers, cid):
        body = problem(wang.act(cid, "inspect", on="2024-04-09", reason="考察", outcome="pass"),
                       422, "/problems/future-date")
        assert (body["field"], body["rule"]) == ("on", "R17")
        body = problem(wang.act(cid, "inspect", on="2024-04-07", reason="考察", outcome="pass"),
                       422, "/problems/date-out-of-order")
        assert (body["field"], body["rule"]) == ("on", "R17")


def test_r17_a_future_application_date_names_the_applied_on_field(rt, clock, callers):
    clock.set_day(date(2024, 4, 8))
    with nothing_written(callers):
        body = problem(callers["caseworker.wang"].post(CASES, json=apply_body("2024-04-09")),
                       422, "/problems/future-date")
    assert body["field"] == "applied_on"  # the request's field, not the act's internal name


# --- 403, 401 --------------------------------------------------------------------------------------

def test_r5_not_allowed_for_this_user_is_403(rt, clock, callers):
    cid = applied_case(callers, clock)
    clock.set_day(date(2024, 5, 16))
    ok(callers["caseworker.zhao"].act(cid, "inspect", on="2024-05-16", reason="考察", outcome="pass"))
    with nothing_written(callers, cid):
        body = problem(callers["caseworker.wang"].act(cid, "approve", on="2024-05-16", reason="批复"),
                       403, "/problems/forbidden")
    assert body["act"] == "approve" and body["needed"] == ["supervisor"]


def test_not_signed_in_is_401(rt, clock, callers, client):
    cid = applied_case(callers, clock)
    with nothing_written(callers, cid):
        for headers in ({}, {"Authorization": "Bearer ib_not-a-token"}):
            for response in (client.get(f"{CASES}/{cid}", headers=headers),
                             client.post(CASES, json=apply_body(seed=2), headers=headers),
                             client.post(f"{CASES}/{cid}/actions/inspect", headers=headers,
                                         json={"on": "2024-04-08", "reason": "考察", "outcome": "pass"})):
                problem(response, 401, "/problems/unauthenticated")
                assert response.headers["WWW-Authenticate"] == "Bearer"


# --- a refused request with an Idempotency-Key leaves no answer behind ----------------------------

def test_a_refused_request_stores_no_idempotent_answer(rt, clock, callers):
    cid = applied_case(callers, clock)
    wang = callers["caseworker.wang"]
    key = {"Idempotency-Key": "inspect-2024-0001"}
    with nothing_written(callers, cid):
        problem(wang.act(cid, "inspect", on="2024-04-09", reason="考察", outcome="pass", headers=key),
                422, "/problems/future-date")
    # the key is still free: the corrected request is carried out, not refused as a reused key
    done = wang.act(cid, "inspect", on="2024-04-08", reason="考察", outcome="pass", headers=key)
    assert ok(done)["state"] == "inspected" and "Idempotent-Replayed" not in done.headers
