"""The web pages under test: the real app on the test runtime (both backends), users with passwords.

A small department: a caseworker, an inspector, a supervisor, an auditor, and a caseworker of
another province who must see none of it. Cases are recorded through the services, as the
pages themselves record them.
"""
from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.web import csrf
from services import users
from services.security_policy import TWO_FACTOR_ROLES
from tests.apps import app_for
from tests.signing_in import enrol, sign_in_page, stored_hash
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, Story

PASSWORD = "correct horse battery"
PEOPLE = {
    CASEWORKER: ("王芳", "caseworker", "520000"),
    INSPECTOR: ("赵磊", "caseworker", "520000"),
    SUPERVISOR: ("李强", "supervisor", "520000"),
    "auditor.chen": ("陈静", "auditor", "000000"),
    "caseworker.hu": ("胡军", "caseworker", "310000"),
}
TODAY = date(2026, 11, 22)


@pytest.fixture
def totp_secrets() -> dict[str, str]:
    """The TOTP secret of each user who signs in with a second factor (the supervisor: issue 14)."""
    return {}


def give_password(rt, username: str) -> None:
    with rt.uow() as uow:
        uow.users.set_password_hash(uow.users.by_username(username).id, stored_hash(PASSWORD), rt.clock())
        uow.commit()


@pytest.fixture
def people(rt, clock, totp_secrets) -> dict[str, str]:
    for username, (name, role, code) in PEOPLE.items():
        users.add_user(rt, username, name, [(role, code)])
        give_password(rt, username)
        if role in TWO_FACTOR_ROLES:
            totp_secrets[username] = enrol(rt, clock, username)
    return {u: PASSWORD for u in PEOPLE}


class PageClient(TestClient):
    """A TestClient that posts forms as a browser posts them from the pages (issue 14 #4): with the
    Origin of the service and the form's token — the sign-in page's, read from that page, or the
    session's, which every signed-in page's forms carry. tests/web/test_web_hardening.py checks the
    pages do carry it and that a post without it, or from another origin, is refused."""

    def post(self, url, *args, data=None, headers=None, **kw):
        if data is None and not {"json", "content", "files"} & set(kw):
            data = {}  # a form of hidden fields only, as the sign-out button's
        if isinstance(data, dict) and "csrf" not in data:
            data = {**data, "csrf": self.form_token(str(url))}
        headers = {"Origin": str(self.base_url).rstrip("/"), **(headers or {})}
        return super().post(url, *args, data=data, headers=headers, **kw)

    def form_token(self, url: str) -> str:
        session = self.cookies.get("__Host-incubase_session") or self.cookies.get("incubase_session")
        if url.startswith("/login") or not session:
            return token_on(self.get("/login").text)
        return csrf.token_for(session)


def token_on(html: str) -> str:
    """The token of the form on a page (every form of a page carries the same one)."""
    return re.search(r'<input type="hidden" name="csrf" value="([^"]+)">', html).group(1)


@pytest.fixture
def app_client(rt, people):
    with PageClient(app_for(rt), follow_redirects=False) as client:
        yield client


@pytest.fixture
def sign_in(rt, clock, people, totp_secrets):
    """A TestClient signed in as a user, through the sign-in form (and its code, for a supervisor)."""
    clients = []

    def signed_in(username: str) -> TestClient:
        client = PageClient(app_for(rt), follow_redirects=False)
        clients.append(client)
        answer = sign_in_page(client, username, PASSWORD, clock, totp_secrets.get(username))
        assert answer.status_code == 303, answer.text
        return client

    yield signed_in
    for client in clients:
        client.close()


@pytest.fixture
def department(rt, clock, people) -> dict[str, str]:
    """Four cases of Guizhou in different places of the lifecycle, and today's date 2026-11-22.

    applied: 2026-04-15, waiting for inspection · inspected: waiting for approval ·
    recognized on 2024-12-10: first assessment due 2026-12-10 (within 30 days) ·
    complaint: recognized, a complaint waiting for verification.
    """
    ids = {}
    s = Story(rt, clock)
    s.recognize(date(2024, 4, 8), date(2024, 5, 10), date(2024, 12, 10), seed=1, base="贵阳市大学生创业园")
    ids["recognized"] = s.case_id
    s = Story(rt, clock)
    s.recognize(date(2025, 4, 8), date(2025, 5, 10), date(2025, 6, 10), seed=2, base="遵义市退役军人创业孵化基地")
    s.act("record_complaint", date(2026, 9, 1), summary="承诺的免费场地未兑现", complaint_id="ts-1")
    ids["complaint"] = s.case_id
    s = Story(rt, clock)
    s.apply(date(2026, 4, 20), seed=3, base="毕节市双创示范基地")
    s.act("inspect", date(2026, 5, 30), actor=INSPECTOR, outcome="pass")
    ids["inspected"] = s.case_id
    s = Story(rt, clock)
    s.apply(date(2026, 4, 15), seed=4, base="安顺市科创孵化基地", operator_name="安顺众创空间管理有限公司")
    ids["applied"] = s.case_id
    s.until(TODAY)
    return ids
