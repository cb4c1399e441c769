"""R22 on the pages: a case in public notice (公示中) shows the notice's dates and its objections, the
supervisor's form decides an objection, and the queue, the dashboard, the audit page and the diagram
know the new state. The policy is Guizhou's rules for Guiyang (520100, a test's) with a 5-working-day
notice: approved Friday 2024-06-14, the notice runs 06-17 to 06-21."""
from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from services import cases, users
from services.security_policy import TWO_FACTOR_ROLES
from tests.policy_variants import variant, with_policies
from tests.signing_in import enrol, sign_in_page
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, Story

from .conftest import PASSWORD, PEOPLE, PageClient, give_password

TODAY = date(2024, 6, 19)


@pytest.fixture
def notice_rt(rt):
    policy = variant("520100", replace={"public_notice": {"period": "5wd", "clause": "测试用条款：公示5个工作日"}})
    return with_policies(rt, policy)


@pytest.fixture
def publicized(notice_rt, clock, totp_secrets) -> str:
    for username, (name, role, code) in PEOPLE.items():
        users.add_user(notice_rt, username, name, [(role, code)])
        give_password(notice_rt, username)
        if role in TWO_FACTOR_ROLES:
            totp_secrets[username] = enrol(notice_rt, clock, username)
    story = Story(notice_rt, clock)
    story.apply(date(2024, 4, 8), jurisdiction="520100", base="贵阳市大学生创业园")
    story.act("inspect", date(2024, 5, 16), actor=INSPECTOR, outcome="pass")
    story.act("approve", date(2024, 6, 14), actor=SUPERVISOR, reason="拟予认定，公示")
    story.act("record_objection", date(2024, 6, 18), summary="反映在孵企业数量不实", objection_id="yy-1")
    story.until(TODAY)
    return story.case_id


@pytest.fixture
def sign_in(notice_rt, clock, totp_secrets):
    clients = []

    def signed_in(username: str) -> TestClient:
        client = PageClient(create_app(runtime=notice_rt), follow_redirects=False)
        clients.append(client)
        assert sign_in_page(client, username, PASSWORD, clock, totp_secrets.get(username)).status_code == 303
        return client

    yield signed_in
    for client in clients:
        client.close()


def forms_on(html: str) -> set[str]:
    return set(re.findall(r'<form method="post" action="/cases/[^/"]+/acts/(\w+)"', html))


def test_r22_the_case_page_shows_the_notice_its_dates_and_objections(sign_in, publicized):
    html = sign_in(SUPERVISOR).get(f"/cases/{publicized}").text
    assert re.search(r'id="case-state">公示中<', html)
    assert 'data-first="2024-06-17" data-last="2024-06-21"' in html
    assert "2024年6月17日 – 2024年6月21日" in html and "公示中，期满无异议予以认定" in html
    assert re.search(r'data-objection="yy-1">.*?反映在孵企业数量不实.*?待处理', html, re.S)
    assert forms_on(html) == {"reject", "withdraw", "record_objection", "decide_objection"}
    assert '<option value="yy-1" >yy-1</option>' in html  # the objection waiting, by its id
    assert "异议不成立" in html and "异议成立，重新审核" in html
    assert '<g class="state visited current" data-state="publicized">' in html
    english = sign_in(CASEWORKER).get(f"/cases/{publicized}?lang=en").text
    assert re.search(r'id="case-state">Public notice<', english) and "2024-06-17 – 2024-06-21" in english
    assert forms_on(english) == {"withdraw", "record_objection"}  # deciding is a supervisor's


def test_r22_a_supervisor_decides_the_objection_on_the_page(notice_rt, sign_in, publicized):
    client = sign_in(SUPERVISOR)
    answer = client.post(f"/cases/{publicized}/acts/decide_objection",
                         data={"on": "2024-06-19", "reason": "经核查，异议不成立", "objection_id": "yy-1",
                               "decision": "dismiss"})
    assert answer.status_code == 303
    case = cases.get_case(notice_rt, publicized)
    assert case.state == "publicized" and case.objections[0].decision == "dismiss"
    page = client.get(answer.headers["location"]).text
    assert "已记录" in page and "异议不成立 (2024年6月19日)" in page
    assert "公示期满（予以认定）" in page  # the notice's end is owed again


def test_r22_an_objection_outside_the_notice_is_refused_beside_the_date(notice_rt, clock, sign_in, publicized):
    clock.set_day(date(2024, 6, 24))  # after the last day; the objection waiting still holds the end back
    answer = sign_in(CASEWORKER).post(f"/cases/{publicized}/acts/record_objection",
                                      data={"on": "2024-06-24", "reason": "收到异议", "summary": "x"})
    assert answer.status_code == 422
    errors = dict(re.findall(r'<span class="error" id="[^"]+" data-field="(\w+)">([^<]*)</span>', answer.text))
    assert set(errors) == {"on"}
    assert "异议须在公示期内（2024年6月17日至2024年6月21日）提出" in errors["on"] and "2024年6月24日" in errors["on"]
    assert len(cases.get_case(notice_rt, publicized).objections) == 1  # nothing written


def test_r22_the_queue_the_dashboard_and_the_audit_page_know_the_notice(sign_in, publicized):
    client = sign_in(SUPERVISOR)
    queue = client.get("/queue").text
    assert re.findall(r'<tr class="(\w+)" data-case="([^"]+)" data-kind="(\w+)">', queue) == [
        ("no_deadline", publicized, "objection")]
    assert "公示异议待处理" in queue and re.search(r'data-kind="objection"[^>]*>\s*[^<]+<b class="count">1</b>', queue)
    dashboard = client.get("/dashboard?jurisdiction=520000").text
    assert re.search(r'<tr data-state="publicized">.*?公示中.*?<td class="num total"><a [^>]+>1</a></td>', dashboard,
                     re.S)
    audit = sign_in("auditor.chen").get(f"/cases/{publicized}/audit?as_of=2024-06-18").text
    assert re.search(r'id="case-state">公示中<', audit) and 'id="verification">✔' in audit
