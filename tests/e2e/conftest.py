"""The HTTP API under test: the real app on the test runtime (both backends), real tokens."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from services import users
from tests.apps import app_for


@dataclass
class Caller:
    """A TestClient signed in as one user."""

    client: TestClient
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, url: str, **kw):
        return self.client.get(url, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def post(self, url: str, json=None, **kw):
        return self.client.post(url, json=json, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def act(self, case_id: str, act: str, **body):
        headers = body.pop("headers", {})
        return self.post(f"/api/v1/cases/{case_id}/actions/{act}", json=body, headers=headers)


USERS = {
    # username: (display name, role, jurisdictions)
    "caseworker.wang": ("王芳", "caseworker", ("520000",)),
    "caseworker.zhao": ("赵磊", "caseworker", ("520000",)),
    "supervisor.li": ("李强", "supervisor", ("520000",)),
    "supervisor.sun": ("孙丽", "supervisor", ("520000",)),
    "auditor.chen": ("陈静", "auditor", ("000000",)),
    # 三员分立 (issue 14): three administrators, three accounts; and a security administrator of Guizhou only
    "sysadmin.zhou": ("周敏", "sysadmin", ("000000",)),
    "secadmin.wu": ("吴刚", "secadmin", ("000000",)),
    "auditadmin.zheng": ("郑红", "auditadmin", ("000000",)),
    "secadmin.gz": ("贵州安全管理员", "secadmin", ("520000",)),
    "caseworker.hu": ("胡军", "caseworker", ("310000",)),  # Shanghai only: Guizhou cases are invisible
}


@pytest.fixture
def client(rt) -> TestClient:
    with TestClient(app_for(rt)) as test_client:
        yield test_client


@pytest.fixture
def callers(rt, client) -> dict[str, Caller]:
    """One signed-in caller per user of USERS, keyed by username."""
    out = {}
    for username, (name, role, scopes) in USERS.items():
        users.add_user(rt, username, name, [(role, code) for code in scopes])
        out[username] = Caller(client, username, users.create_token(rt, username, "test"))
    return out
