"""The sign-in pages of issue 14 (level 3): the second step and the enrolment of an authenticator,
the lock-out message, one's own account page, and the security log's page for the audit
administrator."""
from __future__ import annotations

import re

import pyotp
import pytest
from fastapi.testclient import TestClient

from services import users
from tests.apps import app_for
from tests.signing_in import code_now, enrol, sign_in_page, ticket_of
from tests.story import CASEWORKER, SUPERVISOR

from .conftest import PASSWORD, PageClient, give_password


def fresh(rt) -> TestClient:
    return PageClient(app_for(rt), follow_redirects=False)


def secret_on(html: str) -> str:
    return re.search(r'<code class="secret">([A-Z2-7]+)</code>', html).group(1)


def test_a_supervisor_without_an_authenticator_enrols_before_any_session(rt, clock, people):
    """issue 14: TOTP required for supervisors: the first sign-in shows the secret, takes its first
    code, and shows the recovery codes once."""
    users.add_user(rt, "supervisor.sun", "孙丽", [("supervisor", "520000")])
    give_password(rt, "supervisor.sun")
    with fresh(rt) as client:
        page = client.post("/login", data={"username": "supervisor.sun", "password": PASSWORD, "next": "/queue"})
        assert page.status_code == 200 and "set-cookie" not in page.headers
        assert 'name="stage" value="enrol"' in page.text and "身份验证器" in page.text
        secret = secret_on(page.text)
        wrong = client.post("/login/step", data={"ticket": ticket_of(page.text), "stage": "enrol", "code": "000000"})
        assert wrong.status_code == 422 and "验证码错误或已使用过" in wrong.text
        assert secret_on(wrong.text) == secret  # the same secret again, for another try
        done = client.post("/login/step", data={"ticket": ticket_of(page.text), "stage": "enrol",
                                                "code": code_now(clock, secret), "next": "/queue"})
        assert done.status_code == 200 and "恢复码（只显示这一次）" in done.text
        assert len(re.findall(r"<li><code>[a-z2-9]{5}-[a-z2-9]{5}</code></li>", done.text)) == 10
        assert "HttpOnly" in done.headers["set-cookie"]
        assert client.get("/queue").status_code == 200


def test_an_enrolled_supervisor_gives_the_code_after_the_password(rt, clock, people, totp_secrets):
    with fresh(rt) as client:
        page = client.post("/login", data={"username": SUPERVISOR, "password": PASSWORD, "next": "/dashboard"})
        assert 'name="stage" value="totp"' in page.text and "set-cookie" not in page.headers
        assert client.get("/queue").status_code == 303  # no session yet
        code = pyotp.TOTP(totp_secrets[SUPERVISOR]).at(clock.now)  # the code of the enrolment's step: used
        used = client.post("/login/step", data={"ticket": ticket_of(page.text), "stage": "totp", "code": code})
        assert used.status_code == 422
        done = client.post("/login/step", data={"ticket": ticket_of(page.text), "stage": "totp",
                                                "code": code_now(clock, totp_secrets[SUPERVISOR]),
                                                "next": "/dashboard"})
        assert done.status_code == 303 and done.headers["location"] == "/dashboard"


def test_the_lock_out_is_told_in_chinese_on_the_sign_in_page(rt, people):
    """issue 14: lock-out with a clear message (zh by default, en on request)."""
    with fresh(rt) as client:
        for _ in range(4):
            assert client.post("/login", data={"username": CASEWORKER, "password": "nope"}).status_code == 401
        locked = client.post("/login", data={"username": CASEWORKER, "password": "nope"})
        assert locked.status_code == 429
        assert re.search(r"登录失败次数过多，该账号已锁定至 \d{4}-\d\d-\d\d \d\d:\d\d（北京时间）", locked.text)
        english = client.post("/login?lang=en", data={"username": CASEWORKER, "password": PASSWORD})
        assert english.status_code == 429 and "this account is locked until" in english.text


def test_the_account_page_changes_the_password_and_turns_on_two_factor(rt, clock, sign_in):
    client, elsewhere = sign_in(CASEWORKER), sign_in(CASEWORKER)
    assert "您可以开启双因素登录" in client.get("/account").text
    weak = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "qwertyuiop123",
                                                  "new_password_again": "qwertyuiop123"})
    assert weak.status_code == 422 and "这是最常见的密码之一" in weak.text
    new = "一段新的也足够长的安全口令"
    done = client.post("/account/password", data={"current_password": PASSWORD, "new_password": new,
                                                  "new_password_again": new})
    assert done.status_code == 200 and "密码已修改" in done.text
    assert elsewhere.get("/queue").status_code == 303  # the other session ended with the old password
    begun = client.post("/account/two-factor")
    secret = secret_on(begun.text)
    on = client.post("/account/two-factor/confirm", data={"code": code_now(clock, secret)})
    assert "双因素登录已开启" in on.text and "已开启：登录时须输入动态验证码" in on.text
    with fresh(rt) as other:
        assert sign_in_page(other, CASEWORKER, "一段新的也足够长的安全口令", clock, secret).status_code == 303


def test_the_security_log_page_is_the_audit_administrators_only(rt, clock, sign_in, department, totp_secrets):
    """issue 14: the security log readable by the audit administrator in the web pages; the others
    get a 403 page; a dossier download from the pages is on it."""
    caseworker = sign_in(CASEWORKER)
    assert caseworker.get(f"/cases/{department['recognized']}/dossier.xlsx").status_code == 200
    refused = caseworker.get("/security-log")
    assert refused.status_code == 403 and "安全审计员" in refused.text
    assert 'href="/security-log"' not in caseworker.get("/queue").text
    users.add_user(rt, "audit.admin", "审计管理员", [("auditadmin", "000000")])
    give_password(rt, "audit.admin")
    totp_secrets["audit.admin"] = enrol(rt, clock, "audit.admin")  # an admin: a second factor
    reader = sign_in("audit.admin")
    page = reader.get("/security-log?action=export")
    assert page.status_code == 200 and 'href="/security-log"' in page.text
    # issue 15: the person by name, the account kept for the auditor in the cell's title
    assert re.search(rf"<td title=\"{CASEWORKER}\">王芳</td>\s*<td>testclient</td><td>导出/下载</td>"
                     rf"<td>{department['recognized']}</td><td>成功</td>", page.text)
    # issue 15: its times in Beijing time (the column says so), as people write a date, never ISO or UTC
    assert re.search(r"<td>\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d:\d\d</td>", page.text) and "+00:00" not in page.text
    csv = reader.get("/security-log.csv")
    assert csv.headers["content-disposition"].startswith('attachment; filename="security-log-')
    assert "signin" in csv.text and "two_factor_confirm" in csv.text
    assert "哈希链完整" in reader.get("/security-log?verify=1").text


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_signing_out_is_on_the_security_log(rt, sign_in):
    client = sign_in(CASEWORKER)
    assert client.post("/logout").status_code == 303
    with rt.reads() as uow:
        from services.values import SecurityLogFilter

        entries, _ = uow.security_log.search(SecurityLogFilter(action="signout"))
    assert [(e.actor, e.client) for e in entries] == [(CASEWORKER, "testclient")]
