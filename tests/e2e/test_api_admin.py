"""Accounts and dated grants over the API, each by its own administrator (三员分立, issue 14): the
system administrator adds accounts, the security administrator grants and revokes roles; nobody
else manages either."""
from __future__ import annotations

from tests.e2e.http import ok, problem

USERS = "/api/v1/users"


def listed(caller) -> dict[str, dict]:
    return {u["username"]: u for u in ok(caller.get(USERS))}


def test_sysadmin_adds_an_account_secadmin_grants_it_a_role_and_it_signs_in(rt, callers):
    from services import users

    created = ok(callers["sysadmin.zhou"].post(USERS, json={
        "username": "caseworker.liu", "display_name": "刘洋", "email": "liu@example.org"}), 201)
    assert created["grants"] == []
    granted = ok(callers["secadmin.wu"].post(f"{USERS}/caseworker.liu/grants",
                                             json={"role": "caseworker", "jurisdiction": "520100",
                                                   "reason": "新入职经办人"}))
    assert granted["grants"][0] | {"granted_at": None, "seq": None} == {
        "role": "caseworker", "jurisdiction": "520100", "granted_at": None, "revoked_at": None, "seq": None,
        "revoked_seq": None}
    token = users.create_token(rt, "caseworker.liu")
    me = callers["sysadmin.zhou"].client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200


def test_a_revoked_grant_stays_on_record_with_its_end(callers):
    secadmin = callers["secadmin.wu"]
    revoked = ok(secadmin.post(f"{USERS}/caseworker.wang/grants/revoke",
                               json={"role": "caseworker", "jurisdiction": "520000"}))
    grant = revoked["grants"][0]
    assert grant["role"] == "caseworker" and grant["revoked_at"] is not None
    assert grant["revoked_seq"] > grant["seq"]
    assert listed(secadmin)["caseworker.wang"]["grants"][0]["revoked_at"] == grant["revoked_at"]


def test_only_administrators_read_or_add_accounts(callers):
    for name in ("caseworker.wang", "supervisor.li", "auditor.chen"):
        caller = callers[name]
        problem(caller.get(USERS), 403, "/problems/forbidden")
        problem(caller.post(USERS, json={"username": "x.y", "display_name": "某人"}), 403, "/problems/forbidden")
        problem(caller.post(f"{USERS}/caseworker.wang/grants", json={"role": "supervisor", "jurisdiction": "520000"}),
                403, "/problems/forbidden")
    assert "x.y" not in listed(callers["sysadmin.zhou"])
    assert [g["role"] for g in listed(callers["secadmin.wu"])["caseworker.wang"]["grants"]] == ["caseworker"]


def test_each_administrator_does_only_its_own_duty(callers):
    """三员分立: the security and audit administrators add no account; the system and audit
    administrators grant no role; the answer says whose duty it is, in Chinese too."""
    for name in ("secadmin.wu", "auditadmin.zheng"):
        body = problem(callers[name].post(USERS, json={"username": "x.y", "display_name": "某人"}),
                       403, "/problems/forbidden")
        assert body["needed"] == ["sysadmin"] and "系统管理员" in body["detail_zh"]
    for name in ("sysadmin.zhou", "auditadmin.zheng"):
        body = problem(callers[name].post(f"{USERS}/caseworker.wang/grants",
                                          json={"role": "supervisor", "jurisdiction": "520000"}),
                       403, "/problems/forbidden")
        assert body["needed"] == ["secadmin"]
    assert "x.y" not in listed(callers["sysadmin.zhou"])
    assert [g["role"] for g in listed(callers["secadmin.wu"])["caseworker.wang"]["grants"]] == ["caseworker"]


def test_an_account_comes_without_roles_from_the_api(callers):
    """The system administrator's new account cannot carry grants: those are the security
    administrator's, so one person cannot make an account and empower it."""
    grants = [{"role": "supervisor", "jurisdiction": "520000"}]
    body = problem(callers["sysadmin.zhou"].post(USERS, json={
        "username": "new.user", "display_name": "新用户", "grants": grants}), 403, "/problems/forbidden")
    assert body["field"] == "grants" and "安全管理员" in body["detail_zh"]
    assert "new.user" not in listed(callers["sysadmin.zhou"])


def test_a_username_is_taken_once(callers):
    sysadmin = callers["sysadmin.zhou"]
    again = problem(sysadmin.post(USERS, json={"username": "supervisor.li", "display_name": "另一个李强"}),
                    422, "/problems/invalid-act")
    assert again["field"] == "username"
    assert listed(sysadmin)["supervisor.li"]["display_name"] == "李强"
