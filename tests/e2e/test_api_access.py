"""Who may do what over HTTP: roles, jurisdiction scopes, four eyes, sign-in, and the
`allowed_actions` a user is shown (never an act they would be refused with 403).
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from tests.e2e.http import CASES, apply_body, ok, problem
from tests.story import credit_code

SUBSIDY_FEN = 50_000_000

# a valid body for every act, so a refusal is about the user, never about the request
ACT_FIELDS: dict[str, dict] = {
    "inspect": {"outcome": "pass"},
    "approve": {},
    "reject": {},
    "withdraw": {},
    "submit_annual_report": {"year": 2024},
    "record_assessment": {"outcome": "pass"},
    "record_rectification": {"outcome": "pass"},
    "record_complaint": {"summary": "入驻企业投诉"},
    "verify_complaint": {"complaint_id": "c1", "valid": True},
    "suspend": {"ground": "fraud"},
    "reinstate": {},
    "revoke": {"ground": "fraud"},
    "reevaluate": {"decision": "extend"},
    "record_payment": {"number": 1, "amount_fen": SUBSIDY_FEN},
}
DECISIONS = ("approve", "reject", "revoke", "reevaluate", "reinstate")


@contextmanager
def nothing_written(callers, case_id: str | None = None):
    reader = callers["auditor.chen"]

    def snap():
        out = [ok(reader.get(CASES, params={"limit": 500}))]
        if case_id:
            out += [ok(reader.get(f"{CASES}/{case_id}")), ok(reader.get(f"{CASES}/{case_id}/events"))]
        return out

    before = snap()
    yield
    assert snap() == before


def act(caller, cid: str, name: str, on: str, **extra):
    return caller.act(cid, name, on=on, reason="依规办理", **{**ACT_FIELDS[name], **extra})


def applied_case(callers, clock, seed: int = 1) -> str:
    clock.set_day(date(2024, 4, 8))
    return ok(callers["caseworker.wang"].post(CASES, json=apply_body(seed=seed)), 201)["id"]


def inspected_case(callers, clock, seed: int = 1, inspector: str = "caseworker.zhao", **fields) -> str:
    cid = applied_case(callers, clock, seed)
    clock.set_day(date(2024, 5, 16))
    ok(callers[inspector].act(cid, "inspect", on="2024-05-16", reason="现场考察", outcome="pass", **fields))
    return cid


def recognized_case(callers, clock, seed: int = 1) -> str:
    cid = inspected_case(callers, clock, seed)
    clock.set_day(date(2024, 6, 14))
    ok(callers["supervisor.li"].act(cid, "approve", on="2024-06-14", reason="予以认定"))
    return cid


# --- roles ------------------------------------------------------------------------------------------

def test_auditor_reads_everything_and_every_act_is_403(rt, clock, callers):
    cid = recognized_case(callers, clock)
    auditor = callers["auditor.chen"]
    clock.set_day(date(2024, 7, 1))
    assert ok(auditor.get(CASES))["total"] == 1
    case = ok(auditor.get(f"{CASES}/{cid}"))
    assert case["state"] == "recognized" and case["allowed_actions"] == []
    assert [e["act"] for e in ok(auditor.get(f"{CASES}/{cid}/events"))] == ["apply", "inspect", "approve"]
    policies = ok(auditor.get("/api/v1/policies"))
    assert "guizhou-provincial-2022" in {p["id"] for p in policies}
    assert ok(auditor.get("/api/v1/policies/guizhou-provincial-2022"))["versions"][0]["version"] == 1
    assert ok(auditor.get("/api/v1/eligibility", params={"credit_code": credit_code(1), "level": "provincial"}))[
        "eligible"] is True

    with nothing_written(callers, cid):
        for name in ACT_FIELDS:
            body = problem(act(auditor, cid, name, "2024-07-01"), 403, "/problems/forbidden")
            assert body["act"] == name
        problem(auditor.post(CASES, json=apply_body("2024-04-08", seed=2)), 403, "/problems/forbidden")


def test_r5_r10_r13_caseworker_cannot_approve_reject_revoke_reevaluate_or_reinstate(rt, clock, callers):
    wang = callers["caseworker.wang"]
    inspected = inspected_case(callers, clock, seed=1)
    clock.set_day(date(2024, 5, 20))
    with nothing_written(callers, inspected):
        for name in ("approve", "reject"):
            body = problem(act(wang, inspected, name, "2024-05-20"), 403, "/problems/forbidden")
            assert (body["act"], body["needed"]) == (name, ["supervisor"])

    suspended = recognized_case(callers, clock, seed=2)
    clock.set_day(date(2024, 7, 1))
    ok(act(callers["supervisor.li"], suspended, "suspend", "2024-07-01"))
    with nothing_written(callers, suspended):
        for name in ("revoke", "reinstate", "reevaluate"):
            body = problem(act(wang, suspended, name, "2024-07-01"), 403, "/problems/forbidden")
            assert body["act"] == name


def test_r1_only_a_supervisor_may_record_a_window_exception(rt, clock, callers):
    clock.set_day(date(2024, 5, 20))
    exception = {"window_exception": "受疫情影响延期申报，经审批人同意"}
    with nothing_written(callers):
        for on, seed in (("2024-05-20", 1), ("2024-04-08", 2)):  # outside the window, and inside it
            body = problem(callers["caseworker.wang"].post(CASES, json=apply_body(on, seed=seed, **exception)),
                           403, "/problems/forbidden")
            assert body["act"] == "window_exception"
    case = ok(callers["supervisor.li"].post(CASES, json=apply_body("2024-05-20", seed=1, **exception)), 201)
    assert case["state"] == "applied"


def test_administrators_neither_see_cases_nor_act(rt, clock, callers):
    """issue 14, 三员分立: the system, security and audit administrators manage accounts, grants and
    the security record; a case is outside their work, so it is not found, and no act is theirs."""
    cid = recognized_case(callers, clock)
    clock.set_day(date(2024, 7, 1))
    for username in ("sysadmin.zhou", "secadmin.wu", "auditadmin.zheng"):
        admin = callers[username]
        problem(admin.get(f"{CASES}/{cid}"), 404, "/problems/case-not-found")
        assert ok(admin.get(CASES))["items"] == []
        with nothing_written(callers, cid):
            for name in ACT_FIELDS:
                problem(act(admin, cid, name, "2024-07-01"), 404, "/problems/case-not-found")
            problem(admin.post(CASES, json=apply_body(seed=2)), 403, "/problems/forbidden")


# --- jurisdiction scopes ------------------------------------------------------------------------------

def test_a_user_outside_the_jurisdiction_gets_404_and_does_not_see_the_case(rt, clock, callers):
    cid = recognized_case(callers, clock)
    hu = callers["caseworker.hu"]  # Shanghai only
    clock.set_day(date(2024, 7, 1))
    unknown = problem(hu.get(f"{CASES}/{'0' * 32}"), 404, "/problems/case-not-found")
    with nothing_written(callers, cid):
        for response in (hu.get(f"{CASES}/{cid}"), hu.get(f"{CASES}/{cid}/events"),
                         *(act(hu, cid, name, "2024-07-01") for name in ACT_FIELDS)):
            body = problem(response, 404, "/problems/case-not-found")
            # indistinguishable from a case that does not exist
            assert {k: v for k, v in body.items() if k not in ("detail", "instance", "case_id")} == {
                k: v for k, v in unknown.items() if k not in ("detail", "instance", "case_id")}
        for params in ({}, {"jurisdiction": "520000"}, {"credit_code": credit_code(1)}, {"state": "recognized"}):
            listed = ok(hu.get(CASES, params=params))
            assert (listed["total"], listed["items"]) == (0, []), params
        problem(hu.post(CASES, json=apply_body(seed=2)), 403, "/problems/forbidden")

    # and the other way round: hu's Shanghai case is invisible to a Guizhou caseworker
    clock.set_day(date(2024, 7, 2))
    shanghai = ok(hu.post(CASES, json=apply_body("2024-07-02", seed=3, level="municipal", jurisdiction="310000")), 201)
    assert [i["id"] for i in ok(hu.get(CASES))["items"]] == [shanghai["id"]]
    wang = callers["caseworker.wang"]
    problem(wang.get(f"{CASES}/{shanghai['id']}"), 404, "/problems/case-not-found")
    assert [i["id"] for i in ok(wang.get(CASES))["items"]] == [cid]
    assert {i["id"] for i in ok(callers["auditor.chen"].get(CASES))["items"]} == {cid, shanghai["id"]}


# --- four eyes ------------------------------------------------------------------------------------------

def test_r5_four_eyes_the_approver_is_not_who_inspected(rt, clock, callers):
    li, sun = callers["supervisor.li"], callers["supervisor.sun"]
    cid = inspected_case(callers, clock, seed=1, inspector="supervisor.li")  # a supervisor may inspect
    clock.set_day(date(2024, 6, 14))
    assert "approve" not in ok(li.get(f"{CASES}/{cid}"))["allowed_actions"]
    assert "approve" in ok(sun.get(f"{CASES}/{cid}"))["allowed_actions"]
    with nothing_written(callers, cid):
        body = problem(act(li, cid, "approve", "2024-06-14"), 403, "/problems/four-eyes")
    assert body["rule"] == "R5"
    assert ok(act(sun, cid, "approve", "2024-06-14"))["state"] == "recognized"

    # every named inspector counts, not only who recorded the inspection
    named = inspected_case(callers, clock, seed=2, inspectors=["caseworker.zhao", "supervisor.sun"])
    clock.set_day(date(2024, 6, 14))
    assert "approve" not in ok(sun.get(f"{CASES}/{named}"))["allowed_actions"]
    with nothing_written(callers, named):
        problem(act(sun, named, "approve", "2024-06-14"), 403, "/problems/four-eyes")
    assert ok(act(li, named, "approve", "2024-06-14"))["state"] == "recognized"


def test_r5_four_eyes_compares_people_a_display_name_is_not_an_inspector(rt, clock, callers):
    # the bypass seen: inspectors typed as names, so the supervisor 李强 approved his own inspection
    li, sun = callers["supervisor.li"], callers["supervisor.sun"]
    cid = applied_case(callers, clock, seed=3)
    clock.set_day(date(2024, 5, 16))
    with nothing_written(callers, cid):
        body = problem(callers["caseworker.wang"].act(cid, "inspect", on="2024-05-16", reason="现场考察",
                                                      outcome="pass", inspectors=["李强", "王芳"]),
                       422, "/problems/unknown-inspector")
    assert (body["field"], body["unknown"]) == ("inspectors", ["李强", "王芳"])
    assert body["usernames"] == {"李强": "supervisor.li", "王芳": "caseworker.wang"}
    ok(callers["caseworker.wang"].act(cid, "inspect", on="2024-05-16", reason="现场考察", outcome="pass",
                                      inspectors=["Supervisor.Li", "caseworker.wang"], experts=["钱七（外聘专家）"]))
    events = ok(li.get(f"{CASES}/{cid}/events"))
    assert events[-1]["payload"]["inspectors"] == ["supervisor.li", "caseworker.wang"]
    assert events[-1]["payload"]["experts"] == ["钱七（外聘专家）"]
    clock.set_day(date(2024, 6, 14))
    assert "approve" not in ok(li.get(f"{CASES}/{cid}"))["allowed_actions"]
    with nothing_written(callers, cid):
        problem(act(li, cid, "approve", "2024-06-14"), 403, "/problems/four-eyes")
    assert ok(act(sun, cid, "approve", "2024-06-14"))["state"] == "recognized"


def test_r13_four_eyes_who_revokes_after_a_suspension_is_not_who_suspended(rt, clock, callers):
    li, sun = callers["supervisor.li"], callers["supervisor.sun"]
    cid = recognized_case(callers, clock)
    clock.set_day(date(2024, 7, 1))
    ok(act(li, cid, "suspend", "2024-07-01"))
    clock.set_day(date(2024, 7, 15))
    assert "revoke" not in ok(li.get(f"{CASES}/{cid}"))["allowed_actions"]
    assert "revoke" in ok(sun.get(f"{CASES}/{cid}"))["allowed_actions"]
    with nothing_written(callers, cid):
        body = problem(act(li, cid, "revoke", "2024-07-15"), 403, "/problems/four-eyes")
    assert body["rule"] == "R13"
    case = ok(act(sun, cid, "revoke", "2024-07-15"))
    assert (case["state"], case["ban"]["ground"]) == ("revoked", "fraud")


def test_r12_after_an_automatic_suspension_any_supervisor_may_revoke(rt, clock, callers):
    wang, li = callers["caseworker.wang"], callers["supervisor.li"]
    cid = recognized_case(callers, clock)
    clock.set_day(date(2025, 3, 3))
    for n in (1, 2, 3):
        ok(wang.act(cid, "record_complaint", on="2025-03-03", reason="收到投诉", complaint_id=f"c{n}", summary="投诉"))
    for n in (1, 2, 3):
        case = ok(wang.act(cid, "verify_complaint", on="2025-03-03", reason="核实", complaint_id=f"c{n}", valid=True))
    assert case["state"] == "suspended"
    assert "revoke" in ok(li.get(f"{CASES}/{cid}"))["allowed_actions"]
    case = ok(li.act(cid, "revoke", on="2025-03-03", reason="有效投诉3次", ground="complaints"))
    assert (case["state"], case["ban"]["last_day"]) == ("revoked", "2030-03-03")


def test_r13_issue14_3_who_verified_the_complaint_that_suspended_does_not_revoke(rt, clock, callers):
    """issue 14 #3: one supervisor recorded and verified three complaints, the system suspended, and
    the same supervisor revoked. Who brought the suspension about counts as the suspender."""
    li, sun = callers["supervisor.li"], callers["supervisor.sun"]
    cid = recognized_case(callers, clock)
    clock.set_day(date(2025, 3, 3))
    for n in (1, 2, 3):
        ok(li.act(cid, "record_complaint", on="2025-03-03", reason="收到投诉", complaint_id=f"c{n}", summary="投诉"))
    for n in (1, 2, 3):
        case = ok(li.act(cid, "verify_complaint", on="2025-03-03", reason="核实", complaint_id=f"c{n}", valid=True))
    assert case["state"] == "suspended"
    events = ok(li.get(f"{CASES}/{cid}/events"))
    assert (events[-1]["act"], events[-1]["actor"], events[-1]["payload"]["brought_about_by"]) == (
        "suspend", "system", "supervisor.li")
    assert "revoke" not in ok(li.get(f"{CASES}/{cid}"))["allowed_actions"]
    assert "revoke" in ok(sun.get(f"{CASES}/{cid}"))["allowed_actions"]
    with nothing_written(callers, cid):
        body = problem(li.act(cid, "revoke", on="2025-03-03", reason="有效投诉3次", ground="complaints"),
                       403, "/problems/four-eyes")
    assert body["rule"] == "R13"
    assert ok(sun.act(cid, "revoke", on="2025-03-03", reason="有效投诉3次", ground="complaints"))["state"] == "revoked"
    assert ok(callers["auditor.chen"].get(f"{CASES}/{cid}/verify"))["ok"] is True


# --- sign-in --------------------------------------------------------------------------------------------

def test_401_without_a_token_or_with_a_bad_one_on_every_endpoint(rt, clock, callers, client):
    cid = recognized_case(callers, clock)
    calls = [
        ("GET", CASES, None), ("GET", f"{CASES}/{cid}", None), ("GET", f"{CASES}/{cid}/events", None),
        ("GET", "/api/v1/policies", None), ("GET", "/api/v1/policies/guizhou-provincial-2022", None),
        ("GET", f"/api/v1/eligibility?credit_code={credit_code(1)}&level=provincial", None),
        ("POST", CASES, apply_body(seed=2)),
        ("POST", f"{CASES}/{cid}/actions/suspend", {"on": "2024-06-14", "reason": "暂停", "ground": "fraud"}),
    ]
    bad = [{}, {"Authorization": "Bearer ib_forged"}, {"Authorization": "Bearer "},
           {"Authorization": f"Basic {callers['supervisor.li'].token}"}]
    with nothing_written(callers, cid):
        for headers in bad:
            for method, url, body in calls:
                response = client.request(method, url, json=body, headers=headers)
                problem(response, 401, "/problems/unauthenticated")
                assert response.headers["WWW-Authenticate"] == "Bearer"


# --- allowed_actions ------------------------------------------------------------------------------------

def test_allowed_actions_never_lists_an_act_the_user_would_get_403_for(rt, clock, callers):
    """Probe every act with a stale If-Match: the role check comes first (403), then the version
    (412), so nothing is written and the answer tells whether the user may record the act."""
    li = callers["supervisor.li"]
    cases = {"applied": applied_case(callers, clock, seed=1),
             "inspected": inspected_case(callers, clock, seed=2),
             "recognized": recognized_case(callers, clock, seed=3)}
    cases["rectifying"] = recognized_case(callers, clock, seed=4)
    clock.set_day(date(2026, 6, 10))
    ok(act(callers["caseworker.wang"], cases["rectifying"], "record_assessment", "2026-06-10", outcome="fail"))
    cases["suspended"] = recognized_case(callers, clock, seed=5)
    clock.set_day(date(2026, 6, 11))
    ok(act(li, cases["suspended"], "suspend", "2026-06-11"))
    ok(act(callers["caseworker.wang"], cases["suspended"], "record_complaint", "2026-06-11", complaint_id="c1"))

    users = ("caseworker.wang", "caseworker.zhao", "supervisor.li", "supervisor.sun", "auditor.chen")
    refused: set[tuple[str, str]] = set()
    for state, cid in cases.items():
        for username in users:
            caller = callers[username]
            case = ok(caller.get(f"{CASES}/{cid}"))
            assert case["state"] == state
            with nothing_written(callers, cid):
                for name in ACT_FIELDS:
                    response = act(caller, cid, name, "2026-06-11", headers={"If-Match": "0"})
                    assert response.status_code in (403, 412), (state, username, name, response.text)
                    if name in case["allowed_actions"]:
                        assert response.status_code == 412, (state, username, name)
                    if response.status_code == 403:
                        refused.add((username, name))
                        assert name not in case["allowed_actions"]
    # the probe did see refusals and permissions, so the checks above were not vacuous
    assert ("caseworker.wang", "approve") in refused and ("auditor.chen", "inspect") in refused
    assert ("supervisor.li", "approve") not in refused and ("caseworker.wang", "inspect") not in refused
    assert "revoke" not in ok(li.get(f"{CASES}/{cases['suspended']}"))["allowed_actions"]  # li suspended it
    assert {"revoke", "reinstate", "verify_complaint"} <= set(
        ok(callers["supervisor.sun"].get(f"{CASES}/{cases['suspended']}"))["allowed_actions"])
