"""Issue 14 #1 and 三员分立 over HTTP: a security administrator's grants are scoped like every other
act, nobody changes their own grants, and one account holds one administrator's role."""
from __future__ import annotations

from datetime import date

import pytest

from services import users
from services.duties import SeparationOfDuties
from tests.e2e.http import CASES, apply_body, ok, problem

USERS = "/api/v1/users"


def ledger(callers) -> list[dict]:
    return ok(callers["auditadmin.zheng"].get("/api/v1/grants"))


def shanghai_case(callers, clock) -> str:
    clock.set_day(date(2024, 7, 2))
    body = apply_body("2024-07-02", seed=3, level="municipal", jurisdiction="310000")
    return ok(callers["caseworker.hu"].post(CASES, json=body), 201)["id"]


def test_issue14_1_a_guizhou_security_administrator_cannot_grant_itself_or_anyone_shanghai(callers, clock):
    """issue 14 #1: admin@520000 granted itself supervisor@310000 and then read and changed Shanghai's
    data. A grant is scoped like every other act, and nobody grants a role to themselves."""
    shanghai = shanghai_case(callers, clock)
    gz = callers["secadmin.gz"]
    before = ledger(callers)

    own = problem(gz.post(f"{USERS}/secadmin.gz/grants", json={"role": "supervisor", "jurisdiction": "310000"}),
                  403, "/problems/own-grants")
    assert "本人" in own["detail_zh"]
    outside = problem(gz.post(f"{USERS}/caseworker.wang/grants", json={"role": "supervisor", "jurisdiction": "310000"}),
                      403, "/problems/forbidden")
    assert "310000" in outside["detail"] and "520000" in outside["detail"] and outside["needed"] == ["secadmin"]
    # nor may it end a grant of Shanghai's
    problem(gz.post(f"{USERS}/caseworker.hu/grants/revoke", json={"role": "caseworker", "jurisdiction": "310000"}),
            403, "/problems/forbidden")

    assert ledger(callers) == before
    for name in ("secadmin.gz", "caseworker.wang"):
        problem(callers[name].get(f"{CASES}/{shanghai}"), 404, "/problems/case-not-found")
    assert ok(callers["caseworker.hu"].get(f"{CASES}/{shanghai}"))["state"] == "applied"


def test_issue14_1_within_its_jurisdiction_a_security_administrator_grants_and_revokes(callers):
    gz = callers["secadmin.gz"]
    granted = ok(gz.post(f"{USERS}/caseworker.hu/grants",
                         json={"role": "supervisor", "jurisdiction": "520100", "reason": "借调贵阳市"}))
    held = {(g["role"], g["jurisdiction"], g["revoked_at"]) for g in granted["grants"]}
    assert ("supervisor", "520100", None) in held
    ok(gz.post(f"{USERS}/caseworker.hu/grants/revoke", json={"role": "supervisor", "jurisdiction": "520100"}))
    acts = [(a["act"], a["username"], a["role"], a["jurisdiction"], a["actor"]) for a in ledger(callers)[-2:]]
    assert acts == [("grant", "caseworker.hu", "supervisor", "520100", "secadmin.gz"),
                    ("revoke", "caseworker.hu", "supervisor", "520100", "secadmin.gz")]
    assert ledger(callers)[-2]["reason"] == "借调贵阳市"


def test_issue14_1_an_administrator_sees_the_accounts_of_its_jurisdictions_only(callers):
    ok(callers["sysadmin.zhou"].post(USERS, json={"username": "new.user", "display_name": "新用户"}), 201)
    seen = {u["username"]: u for u in ok(callers["secadmin.gz"].get(USERS))}
    assert {"caseworker.wang", "supervisor.li", "new.user"} <= seen.keys()
    assert "caseworker.hu" not in seen and "auditor.chen" not in seen  # Shanghai's, the country's
    assert seen["new.user"]["grants"] == []  # seen by all, to be given its first grant
    everyone = {u["username"] for u in ok(callers["secadmin.wu"].get(USERS))}
    assert "caseworker.hu" in everyone


def test_nobody_grants_or_revokes_their_own_roles(callers):
    wu = callers["secadmin.wu"]
    before = ledger(callers)
    problem(wu.post(f"{USERS}/secadmin.wu/grants", json={"role": "supervisor", "jurisdiction": "520000"}),
            403, "/problems/own-grants")
    problem(wu.post(f"{USERS}/secadmin.wu/grants/revoke", json={"role": "secadmin", "jurisdiction": "000000"}),
            403, "/problems/own-grants")
    assert ledger(callers) == before


def test_one_account_holds_one_administrators_role(callers):
    """三员分立: the security administrator cannot make the system administrator a security
    administrator too (409, nothing recorded); the system and audit administrators are appointed
    at the console, never by another administrator."""
    wu = callers["secadmin.wu"]
    before = ledger(callers)
    body = problem(wu.post(f"{USERS}/sysadmin.zhou/grants", json={"role": "secadmin", "jurisdiction": "520000"}),
                   409, "/problems/separation-of-duties")
    assert (body["held"], body["role"]) == ("sysadmin", "secadmin") and "三员分立" in body["detail_zh"]
    for role in ("auditadmin", "sysadmin"):
        body = problem(wu.post(f"{USERS}/caseworker.wang/grants", json={"role": role, "jurisdiction": "000000"}),
                       403, "/problems/forbidden")
        assert "console" in body["detail"]
    assert ledger(callers) == before


def test_at_the_console_too_one_account_holds_one_administrators_role(rt, callers):
    with pytest.raises(SeparationOfDuties):
        users.grant(rt, "sysadmin.zhou", "auditadmin", "000000")
    with pytest.raises(SeparationOfDuties):
        users.add_user(rt, "two.hats", "两顶帽子", [("secadmin", "000000"), ("auditadmin", "000000")])
    assert "two.hats" not in {u.username for u in users.list_users(rt)}
    users.grant(rt, "sysadmin.zhou", "sysadmin", "520000")  # the same duty elsewhere is no conflict


def test_a_security_administrator_delegates_its_own_duty_within_its_jurisdiction(callers):
    wu, gz = callers["secadmin.wu"], callers["secadmin.gz"]
    ok(gz.post(f"{USERS}/supervisor.sun/grants", json={"role": "secadmin", "jurisdiction": "520100"}))
    problem(gz.post(f"{USERS}/supervisor.sun/grants", json={"role": "secadmin", "jurisdiction": "000000"}),
            403, "/problems/forbidden")
    ok(wu.post(f"{USERS}/supervisor.sun/grants/revoke", json={"role": "secadmin", "jurisdiction": "520100"}))


def test_only_the_audit_administrator_reads_and_verifies_the_grant_ledger(callers):
    auditadmin = callers["auditadmin.zheng"]
    acts = ledger(callers)
    assert acts and all(a["act"] == "grant" and a["actor"] == "console" for a in acts)
    assert [a["seq"] for a in acts] == list(range(1, len(acts) + 1))
    verified = ok(auditadmin.get("/api/v1/grants/verify"))
    assert (verified["ok"], verified["acts"], verified["violations"]) == (True, len(acts), [])
    for name in ("secadmin.wu", "sysadmin.zhou", "auditor.chen", "supervisor.li"):
        problem(callers[name].get("/api/v1/grants"), 403, "/problems/forbidden")
        problem(callers[name].get("/api/v1/grants/verify"), 403, "/problems/forbidden")
