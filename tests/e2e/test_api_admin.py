"""Admins manage users and dated grants over the API; nobody else may."""
from __future__ import annotations


def test_admin_adds_a_user_who_can_then_sign_in_with_a_token(rt, callers):
    from services import users

    admin = callers["admin"]
    created = admin.post("/api/v1/users", json={
        "username": "caseworker.liu", "display_name": "刘洋", "email": "liu@example.org",
        "grants": [{"role": "caseworker", "jurisdiction": "520100"}]})
    assert created.status_code == 201, created.text
    assert created.json()["grants"][0] | {"granted_at": None} == {
        "role": "caseworker", "jurisdiction": "520100", "granted_at": None, "revoked_at": None}
    token = users.create_token(rt, "caseworker.liu")
    me = admin.client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200


def test_a_revoked_grant_stays_on_record_with_its_end(callers):
    admin = callers["admin"]
    revoked = admin.post("/api/v1/users/caseworker.wang/grants/revoke",
                         json={"role": "caseworker", "jurisdiction": "520000"})
    assert revoked.status_code == 200
    grant = revoked.json()["grants"][0]
    assert grant["role"] == "caseworker" and grant["revoked_at"] is not None
    listed = {u["username"]: u for u in admin.get("/api/v1/users").json()}
    assert listed["caseworker.wang"]["grants"][0]["revoked_at"] == grant["revoked_at"]


def test_only_admins_manage_users(callers):
    for name in ("caseworker.wang", "supervisor.li", "auditor.chen"):
        caller = callers[name]
        assert caller.get("/api/v1/users").status_code == 403
        refused = caller.post("/api/v1/users", json={"username": "x.y", "display_name": "某人"})
        assert refused.status_code == 403
        assert refused.json()["type"] == "/problems/forbidden"
    assert "x.y" not in {u["username"] for u in callers["admin"].get("/api/v1/users").json()}


def test_a_bad_grant_names_its_field_and_adds_nobody(callers):
    admin = callers["admin"]
    bad = admin.post("/api/v1/users", json={"username": "new.user", "display_name": "新用户",
                                            "grants": [{"role": "caseworker", "jurisdiction": "990000"}]})
    assert bad.status_code == 422
    assert bad.json()["field"] == "jurisdiction"
    assert "new.user" not in {u["username"] for u in admin.get("/api/v1/users").json()}


def test_a_username_is_taken_once(callers):
    admin = callers["admin"]
    again = admin.post("/api/v1/users", json={"username": "supervisor.li", "display_name": "另一个李强"})
    assert again.status_code == 422
    assert again.json()["field"] == "username"
    names = [u["display_name"] for u in admin.get("/api/v1/users").json() if u["username"] == "supervisor.li"]
    assert names == ["李强"]
