"""Signing in through the HTTP API, unlocking, two-factor sign-in and the security log (issue 14,
level 3), with their problem+json answers."""
from __future__ import annotations

import pytest

from services import users
from tests.signing_in import code_now, stored_hash

PASSWORD = "Guizhou incubation 2026"


@pytest.fixture
def with_passwords(rt, callers):
    for username in callers:
        with rt.uow() as uow:
            uow.users.set_password_hash(uow.users.by_username(username).id, stored_hash(PASSWORD), rt.clock())
            uow.commit()
    users.add_user(rt, "audit.admin", "审计管理员", [("auditadmin", "000000")])
    return callers


def sign_in(client, username: str, password: str = PASSWORD, **more):
    return client.post("/api/v1/sessions", json={"username": username, "password": password, **more})


def test_a_session_from_the_api_works_like_a_token_and_signing_out_ends_it(client, with_passwords):
    answer = sign_in(client, "caseworker.wang")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["username"] == "caseworker.wang" and body["idle_timeout_minutes"] == 30
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    assert client.delete("/api/v1/sessions/current", headers=headers).status_code == 204
    assert client.get("/api/v1/cases", headers=headers).status_code == 401


def test_the_fifth_wrong_password_locks_the_account_with_429_and_retry_after(client, with_passwords):
    """issue 14: lock-out with a clear message, as problem+json; an unknown user is answered alike."""
    for _ in range(4):
        wrong = sign_in(client, "caseworker.wang", "wrong password")
        assert wrong.status_code == 401 and wrong.json()["type"] == "/problems/unauthenticated"
    locked = sign_in(client, "caseworker.wang", "wrong password")
    assert locked.status_code == 429 and locked.headers["content-type"] == "application/problem+json"
    problem = locked.json()
    assert problem["type"] == "/problems/locked-out" and problem["scope"] == "account"
    assert "this account is locked until" in problem["detail"] and 1700 < int(locked.headers["Retry-After"]) <= 1801
    assert sign_in(client, "caseworker.wang").status_code == 429  # the right password too
    nobody = [sign_in(client, "no.such.user", "wrong password") for _ in range(5)]
    assert [a.status_code for a in nobody] == [401, 401, 401, 401, 429]
    assert nobody[0].json()["detail"] == wrong.json()["detail"]


def test_an_admin_unlocks_through_the_api_and_others_may_not(client, with_passwords):
    for _ in range(5):
        sign_in(client, "caseworker.wang", "wrong password")
    refused = with_passwords["supervisor.li"].post("/api/v1/users/caseworker.wang/unlock")
    assert refused.status_code == 403 and refused.json()["type"] == "/problems/forbidden"
    done = with_passwords["sysadmin.zhou"].post("/api/v1/users/caseworker.wang/unlock")
    assert done.status_code == 200 and done.json() == {"username": "caseworker.wang", "was_locked": True}
    assert sign_in(client, "caseworker.wang").status_code == 201
    released = with_passwords["sysadmin.zhou"].post("/api/v1/client-locks/release", json={"client": "testclient"})
    assert released.json() == {"client": "testclient", "was_locked": False}


def test_a_supervisor_signs_in_with_a_code_and_an_admin_resets_it(client, clock, with_passwords):
    """issue 14: two-factor sign-in required for supervisors; enrolment and reset through the API."""
    missing = sign_in(client, "supervisor.li")
    assert missing.status_code == 401 and missing.json()["type"] == "/problems/second-factor-required"
    assert missing.json()["enrolled"] is False
    li = with_passwords["supervisor.li"]  # a program's token (made with the CLI) reaches the API
    issued = li.post("/api/v1/me/two-factor")
    assert issued.status_code == 201 and issued.json()["uri"].startswith("otpauth://totp/")
    secret = issued.json()["secret"]
    wrong = li.post("/api/v1/me/two-factor/confirm", json={"code": "000000"})
    assert wrong.status_code == 422 and wrong.json()["type"] == "/problems/wrong-code"
    codes = li.post("/api/v1/me/two-factor/confirm", json={"code": code_now(clock, secret)}).json()["recovery_codes"]
    assert len(codes) == 10
    assert sign_in(client, "supervisor.li").json()["type"] == "/problems/second-factor-required"
    assert sign_in(client, "supervisor.li", code=code_now(clock, secret)).status_code == 201
    assert sign_in(client, "supervisor.li", code=codes[0]).status_code == 201
    again = li.post("/api/v1/me/two-factor")
    assert again.status_code == 409 and again.json()["type"] == "/problems/two-factor-enrolled"
    reset = with_passwords["sysadmin.zhou"].post("/api/v1/users/supervisor.li/two-factor/reset")
    assert reset.json() == {"username": "supervisor.li", "was_enrolled": True}
    assert sign_in(client, "supervisor.li", code=code_now(clock, secret)).json()["enrolled"] is False


def test_a_weak_new_password_is_a_422_naming_the_field(with_passwords):
    answer = with_passwords["caseworker.wang"].post(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "Password123456!"})
    assert answer.status_code == 422 and answer.json()["type"] == "/problems/weak-password"
    assert answer.json()["field"] == "password" and answer.json()["reason"] == "common"
    wrong = with_passwords["caseworker.wang"].post(
        "/api/v1/me/password", json={"current_password": "not it", "new_password": "a long new passphrase"})
    assert wrong.status_code == 401
    done = with_passwords["caseworker.wang"].post(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "a long new passphrase"})
    assert done.status_code == 204


def test_only_the_audit_administrator_reads_the_security_log(client, rt, with_passwords, story_case):
    """issue 14: the security log readable by the audit administrator, every dossier download on it
    with who and from where, exportable as CSV."""
    sign_in(client, "caseworker.wang", "wrong password")
    assert with_passwords["auditor.chen"].get(f"/api/v1/cases/{story_case}/dossier").status_code == 200
    with_passwords["caseworker.hu"].get(f"/api/v1/cases/{story_case}/dossier")  # outside Shanghai: refused
    for name in ("auditor.chen", "sysadmin.zhou", "supervisor.li"):
        refused = with_passwords[name].get("/api/v1/security-log")
        assert refused.status_code == 403 and "auditadmin" in refused.json()["detail"]
    reader = users.create_token(rt, "audit.admin", "审计")
    headers = {"Authorization": f"Bearer {reader}"}
    page = client.get("/api/v1/security-log?action=export", headers=headers).json()
    assert [(e["actor"], e["client"], e["subject"], e["result"], e["details"]["kind"])
            for e in page["entries"]] == [("caseworker.hu", "testclient", story_case, "refused", "dossier"),
                                          ("auditor.chen", "testclient", story_case, "ok", "dossier")]
    failed = client.get("/api/v1/security-log?action=signin&result=failed", headers=headers).json()
    assert failed["total"] == 1 and failed["entries"][0]["subject"] == "caseworker.wang"
    csv = client.get("/api/v1/security-log?format=csv", headers=headers)
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.lstrip("\ufeff").startswith("seq,at,actor,client,action,subject,result,details,prev_hash,hash")
    verified = client.get("/api/v1/security-log/verify", headers=headers).json()
    assert verified["ok"] is True and verified["entries"] > 10
    naive = client.get("/api/v1/security-log?since=2026-01-01T00:00:00", headers=headers)
    assert naive.status_code == 422 and naive.json()["field"] == "since"


@pytest.fixture
def story_case(rt, clock) -> str:
    from datetime import date

    from tests.story import Story

    story = Story(rt, clock)
    story.apply(date(2026, 4, 15), seed=7)
    return story.case_id
