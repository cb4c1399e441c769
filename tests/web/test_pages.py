"""The pages without a browser: sign-in, the queue, the forms and their errors, the auditor's
replay, the dashboard and the lifecycle diagram — on SQLite and PostgreSQL."""
from __future__ import annotations

import dataclasses
import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from api.main import create_app
from api.views import case_view
from api.web.diagram import edges, lifecycle_svg
from services import cases, security_log, signin, users
from services.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, load_demo
from services.policies import default_policies
from statemachines.lifecycle import TRANSITIONS
from tests.signing_in import sign_in_page
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR

from .conftest import PASSWORD, TODAY, PageClient


def forms_on(html: str) -> set[str]:
    return set(re.findall(r'<form method="post" action="/cases/[^/"]+/acts/(\w+)"', html))


def errors_in(html: str) -> dict[str, str]:
    return dict(re.findall(r'<span class="error" id="[^"]+" data-field="(\w+)">([^<]*)</span>', html))


# --- sign-in -------------------------------------------------------------------------------

def test_password_is_stored_as_salted_scrypt(rt, people, product_password_cost):
    """issue 14 (level 3): scrypt at OWASP's N=2^17, r=8, p=1."""
    a, b = users.hash_password("same password"), users.hash_password("same password")
    assert a.startswith("scrypt$131072$8$1$") and len(a.split("$")) == 6
    assert a != b  # a fresh salt each time
    assert users.password_matches("same password", a) and not users.password_matches("same passwore", a)
    assert not users.password_matches("x", "md5$abc") and not users.password_matches("x", None)
    with pytest.raises(users.Unauthenticated):
        signin.sign_in(rt, CASEWORKER, "wrong password", "testclient")
    with pytest.raises(users.Unauthenticated):
        signin.sign_in(rt, "nobody", PASSWORD, "testclient")
    with pytest.raises(Exception, match="at least 12"):
        users.set_password(rt, CASEWORKER, "short")


def test_pages_need_sign_in_and_return_to_the_page_asked_for(app_client):
    answer = app_client.get("/cases/abc/audit?as_of=2026-01-01")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/cases/abc/audit%3Fas_of%3D2026-01-01"


def test_wrong_password_is_refused_beside_the_form(app_client):
    answer = app_client.post("/login", data={"username": CASEWORKER, "password": "nope", "next": "/queue"})
    assert answer.status_code == 401
    assert "用户名或密码错误" in answer.text and "set-cookie" not in answer.headers


def test_sign_in_sets_an_httponly_strict_cookie_holding_an_api_token(rt, app_client):
    answer = app_client.post("/login", data={"username": CASEWORKER, "password": PASSWORD, "next": "/dashboard"})
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    token = re.search(r"incubase_session=([^;]+)", cookie).group(1)
    assert users.authenticate(rt, token).username == CASEWORKER  # the same token the API takes
    assert app_client.get("/queue").status_code == 200
    out = app_client.post("/logout")
    assert out.status_code == 303 and 'incubase_session=""' in out.headers["set-cookie"]
    assert app_client.get("/queue").status_code == 303
    with pytest.raises(users.Unauthenticated):  # signing out revoked the token itself
        users.authenticate(rt, token)
    app_client.cookies.set("incubase_session", token)  # a copy of the old cookie
    assert app_client.get("/queue").status_code == 303


def test_a_web_session_ends_after_its_hours_while_a_programs_token_lives_on(rt, clock, app_client):
    answer = app_client.post("/login", data={"username": CASEWORKER, "password": PASSWORD, "next": "/queue"})
    assert "Max-Age=43200" in answer.headers["set-cookie"]  # 12 hours, the default
    program = users.create_token(rt, CASEWORKER, "报表程序")
    assert app_client.get("/queue").status_code == 200
    for _ in range(35):  # in use every 20 minutes, so the idle time-out (30 minutes) never strikes
        clock.now += timedelta(minutes=20)  # (a page the per-user limit of expensive reads leaves alone)
        assert app_client.get("/account").status_code == 200
    clock.now += timedelta(minutes=19)  # 11 h 59 min after signing in
    assert app_client.get("/queue").status_code == 200
    clock.now += timedelta(minutes=2)
    assert app_client.get("/queue").status_code == 303  # back to the sign-in page
    with pytest.raises(users.Unauthenticated, match="expired"):
        users.authenticate(rt, re.search(r"incubase_session=([^;]+)", answer.headers["set-cookie"]).group(1))
    assert users.authenticate(rt, program).username == CASEWORKER


def test_an_offsite_next_is_not_followed(app_client):
    answer = app_client.post("/login", data={"username": CASEWORKER, "password": PASSWORD,
                                             "next": "//evil.example/x"})
    assert answer.headers["location"] == "/queue"


# --- language and dates --------------------------------------------------------------------

def test_chinese_by_default_with_chinese_dates_and_english_on_request(sign_in, department):
    client = sign_in(CASEWORKER)
    page = client.get("/queue").text
    assert '<html lang="zh-CN">' in page and "待办工作" in page and "2026年11月22日" in page
    english = client.get("/queue?lang=en")
    assert "Work queue" in english.text and "2026-11-22" in english.text and "待办工作" not in english.text
    assert "incubase_lang=en" in english.headers["set-cookie"]
    assert "Work queue" in client.get("/queue").text  # the cookie keeps the choice
    assert "待办工作" in client.get("/queue?lang=zh").text


# --- work queue ----------------------------------------------------------------------------

def queue_rows(html: str) -> list[tuple[str, str, str]]:
    return re.findall(r'<tr class="(\w+)" data-case="([^"]+)" data-kind="(\w+)">', html)


def test_queue_lists_work_by_kind_overdue_first_with_counts(sign_in, department):
    html = sign_in(CASEWORKER).get("/queue").text
    rows = queue_rows(html)
    assert ("due_soon", department["recognized"], "assessment") in rows
    assert ("no_deadline", department["applied"], "inspection") in rows
    # issue 15: 待批复 is a supervisor's, shown to the caseworker read-only, last
    assert ("awaiting", department["inspected"], "approval") in rows
    assert ("no_deadline", department["complaint"], "complaint") in rows
    groups = [g for g, *_ in rows]
    assert groups == sorted(groups, key=["overdue", "due_soon", "no_deadline", "awaiting"].index)
    assert "须由主管办理" in html
    counts = dict(re.findall(r'data-kind="(\w+)"[^>]*>\s*[^<]+<b class="count">(\d+)</b>', html))
    assert counts == {"inspection": "1", "approval": "1", "assessment": "1", "rectification": "0",
                      "complaint": "1", "reevaluation": "0",
                      # issue 15: the three overdue annual reports the dashboard counts, and the two grants
                      # falling due on recognition and not yet paid
                      "annual_report": "3", "instalment": "2"}
    assert "2026年12月10日" in html  # the assessment's due date, two years after recognition


def test_overdue_work_comes_first(rt, clock, sign_in, department):
    clock.set_day(date(2026, 12, 20))  # the assessment's deadline has passed; the sweep has not run
    rows = queue_rows(sign_in(CASEWORKER).get("/queue").text)
    overdue = [r for r in rows if r[0] == "overdue"]
    assert ("overdue", department["recognized"], "assessment") in overdue and rows[:len(overdue)] == overdue


def test_queue_filters_and_searches(sign_in, department):
    client = sign_in(CASEWORKER)
    only = queue_rows(client.get("/queue?kind=approval").text)
    assert only == [("awaiting", department["inspected"], "approval")]
    found = queue_rows(client.get("/queue", params={"q": "毕节"}).text)
    assert [c for _, c, _ in found] == [department["inspected"]]
    code = cases.get_case(client.app.state.runtime, department["applied"]).operator_code
    assert [c for _, c, _ in queue_rows(client.get("/queue", params={"q": code.lower()}).text)] == [
        department["applied"]]
    by_operator = client.get("/queue", params={"q": "众创空间"}).text  # the operator's name, not the base's
    assert [c for _, c, _ in queue_rows(by_operator)] == [department["applied"]]
    assert "安顺众创空间管理有限公司" in by_operator


def test_queue_shows_only_the_users_jurisdiction(sign_in, department):
    html = sign_in("caseworker.hu").get("/queue").text
    assert queue_rows(html) == [] and "暂无待办事项" in html


# --- case page and its forms ---------------------------------------------------------------

def test_case_page_shows_the_case(sign_in, department):
    html = sign_in(CASEWORKER).get(f"/cases/{department['complaint']}").text
    for text in ("遵义市退役军人创业孵化基地", "已认定", "承诺的免费场地未兑现", "待核实", "复评认定期为5年",
                 "2025年6月10日", "2030年6月10日", "补贴分期", "年度报告"):
        assert text in html, text
    assert {"record_complaint", "verify_complaint", "suspend"} <= forms_on(html)
    assert "inspect" not in forms_on(html)
    assert 'data-act="approve"' in html  # the timeline names the approval


def test_forms_are_the_legal_acts_this_user_may_record(rt, sign_in, department):
    assert forms_on(sign_in(CASEWORKER).get(f"/cases/{department['applied']}").text) == {"inspect", "withdraw"}
    inspected = f"/cases/{department['inspected']}"
    assert "approve" not in forms_on(sign_in(CASEWORKER).get(inspected).text)
    assert forms_on(sign_in(SUPERVISOR).get(inspected).text) == {"approve", "reject", "withdraw"}
    assert forms_on(sign_in("auditor.chen").get(inspected).text) == set()
    # the forms are exactly the JSON API's allowed_actions for this user
    user = users.authenticate(rt, users.create_token(rt, SUPERVISOR))
    view_acts = case_view(rt, cases.get_case(rt, department["inspected"]), user)["allowed_actions"]
    assert set(view_acts) == forms_on(sign_in(SUPERVISOR).get(inspected).text)


def test_an_other_provinces_case_is_not_found(sign_in, department):
    answer = sign_in("caseworker.hu").get(f"/cases/{department['applied']}")
    assert answer.status_code == 404 and "安顺" not in answer.text


def test_recording_an_inspection(rt, sign_in, department):
    client = sign_in(INSPECTOR)
    answer = client.post(f"/cases/{department['applied']}/acts/inspect",
                         data={"on": "2026-05-20", "reason": "现场考察", "outcome": "pass",
                               "inspectors": f"{INSPECTOR}，{CASEWORKER}", "experts": "钱七、孙教授",
                               "findings": "场地符合条件"})
    assert answer.status_code == 303
    case = cases.get_case(rt, department["applied"])
    assert case.state == "inspected" and case.inspectors == [INSPECTOR, CASEWORKER]
    event = cases.history(rt, case.id)[-1]
    assert (event.act, event.actor, event.on, event.reason) == ("inspect", INSPECTOR, date(2026, 5, 20), "现场考察")
    assert event.payload["experts"] == ["钱七", "孙教授"]
    page = client.get(answer.headers["location"]).text
    assert "已记录" in page and "已考察" in page


def test_r5_an_inspector_who_is_not_a_user_is_refused_beside_the_field(rt, sign_in, department):
    answer = sign_in(CASEWORKER).post(f"/cases/{department['applied']}/acts/inspect",
                                      data={"on": "2026-05-20", "reason": "现场考察", "outcome": "pass",
                                            "inspectors": "李强，王芳"})
    assert answer.status_code == 422
    errors = errors_in(answer.text)
    assert set(errors) == {"inspectors"} and "考察人员须为系统用户" in errors["inspectors"]
    assert SUPERVISOR in errors["inspectors"] and CASEWORKER in errors["inspectors"]  # whose names they are
    assert cases.get_case(rt, department["applied"]).state == "applied"  # nothing written


def test_a_date_before_the_application_is_shown_beside_the_date(rt, sign_in, department):
    answer = sign_in(CASEWORKER).post(f"/cases/{department['applied']}/acts/inspect",
                                      data={"on": "2026-04-01", "reason": "现场考察", "outcome": "pass"})
    assert answer.status_code == 422
    errors = errors_in(answer.text)
    assert set(errors) == {"on"} and "早于本认定事项上一次办理的日期" in errors["on"]
    assert "2026年4月15日" in errors["on"]
    assert 'id="inspect-on" name="on" required max="2026-11-22"\n          value="2026-04-01"' in answer.text
    assert cases.get_case(rt, department["applied"]).state == "applied"  # nothing written


@pytest.mark.parametrize("data, field", [
    ({"on": "2026-13-01", "reason": "x"}, "on"),
    ({"on": "2026-11-01", "reason": ""}, "reason"),
    ({"on": "2026-12-01", "reason": "x"}, "on"),  # after today
])
def test_each_error_is_beside_its_field(sign_in, department, data, field):
    answer = sign_in(CASEWORKER).post(f"/cases/{department['recognized']}/acts/submit_annual_report",
                                      data={**data, "year": "2025"})
    assert answer.status_code == 422 and set(errors_in(answer.text)) == {field}


def test_a_field_of_the_act_is_checked_by_the_domain(sign_in, department):
    client = sign_in(CASEWORKER)
    missing = client.post(f"/cases/{department['recognized']}/acts/submit_annual_report",
                          data={"on": "2026-11-01", "reason": "收到报告", "year": ""})
    assert errors_in(missing.text) == {"year": "必填"}
    bad = client.post(f"/cases/{department['recognized']}/acts/submit_annual_report",
                      data={"on": "2026-11-01", "reason": "收到报告", "year": "2019"})
    assert set(errors_in(bad.text)) == {"year"} and "2019" in errors_in(bad.text)["year"]


def test_an_act_the_user_may_not_record_is_refused(rt, sign_in, department):
    answer = sign_in(CASEWORKER).post(f"/cases/{department['inspected']}/acts/approve",
                                      data={"on": "2026-11-01", "reason": "同意"})
    assert answer.status_code == 422 and "您没有办理此事项的权限" in answer.text
    assert cases.get_case(rt, department["inspected"]).state == "inspected"


# --- auditors ------------------------------------------------------------------------------

def test_auditor_sees_the_case_as_of_a_date_and_its_verification(sign_in, department):
    client = sign_in("auditor.chen")
    case = department["recognized"]
    before = client.get(f"/cases/{case}/audit?as_of=2024-06-01").text
    assert re.search(r'id="case-state">已考察<', before) and "2024年6月1日" in before
    after = client.get(f"/cases/{case}/audit?as_of=2025-01-01").text
    assert re.search(r'id="case-state">已认定<', after)
    assert re.search(r'id="case-state">该日期时尚未申报', client.get(f"/cases/{case}/audit?as_of=2024-01-01").text)
    assert 'id="verification">✔' in after
    xlsx = client.get(f"/cases/{case}/dossier.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get(f"/cases/{case}/dossier.json").json()["verification"]["ok"] is True


def test_issue15_the_dossier_workbook_is_in_the_pages_language(sign_in, department):
    """issue 15: the page's dossier download is in Chinese, names in words (王芳, not caseworker.wang
    alone); once the pages are switched to English, the workbook is English too."""
    client = sign_in("auditor.chen")
    case = department["recognized"]
    book = load_workbook(io.BytesIO(client.get(f"/cases/{case}/dossier.xlsx").content))
    acts = book["办理记录"]
    assert [c.value for c in acts[2]][:4] == ["序号", "办理日期", "事项", "办理人"]
    assert (acts["C3"].value, acts["D3"].value, acts["E3"].value) == ("申报", "王芳", CASEWORKER)
    assert acts["B3"].is_date and "受理编号" in acts["A1"].value and "（北京时间）" in acts["A1"].value
    client.get(f"/cases/{case}?lang=en")  # the language switch, remembered in a cookie
    english = load_workbook(io.BytesIO(client.get(f"/cases/{case}/dossier.xlsx").content))
    assert english.sheetnames == ["Case", "Acts", "Deadlines and reminders", "Verification"]
    assert english["Acts"]["C3"].value == "Apply"


def test_the_slider_steps_through_the_days_something_happened(sign_in, department):
    html = sign_in("auditor.chen").get(f"/cases/{department['recognized']}/audit?as_of=2024-06-01").text
    dates = re.search(r'data-dates="([^"]+)"', html).group(1).split(",")
    assert dates[:4] == ["2024-04-08", "2024-05-10", "2024-06-01", "2024-12-10"]
    assert 'value="2"' in re.search(r'<input type="range"[^>]+>', html).group(0)


# --- dashboard -----------------------------------------------------------------------------

def test_dashboard_counts_the_jurisdiction(rt, clock, sign_in, department):
    # one revocation this year, so each figure is something other than zero
    clock.set_day(TODAY)
    cases.ACTS["suspend"](rt, department["complaint"], on=TODAY, reason="核查", actor=CASEWORKER, ground="fraud")
    cases.ACTS["revoke"](rt, department["complaint"], on=TODAY, reason="弄虚作假", actor=SUPERVISOR, ground="fraud")
    html = sign_in(SUPERVISOR).get("/dashboard").text
    figures = dict(re.findall(r'<b id="fig-([\w-]+)">(\d+)</b>', html))
    assert figures == {"in-force": "1", "recognitions": "0", "revocations": "1", "overdue-reports": "2"}
    rows = dict(re.findall(r'<tr data-state="(\w+)">.*?<td class="num total"><a [^>]+>(\d+)</a></td>', html, re.S))
    assert rows == {"applied": "1", "inspected": "1", "recognized": "1", "revoked": "1"}
    assert re.search(r'data-state="applied">.*?data-level="provincial"><a [^>]+>1<', html, re.S)


def test_issue15_the_dashboard_has_a_year_picker_and_exports_its_figures(rt, clock, sign_in, department):
    """A year picker (this year back to 2020) and the statistics export linked from the dashboard; the
    download is a workbook and is on the security log; another province's figures are not on offer."""
    clock.set_day(TODAY)
    cases.ACTS["suspend"](rt, department["complaint"], on=TODAY, reason="核查", actor=CASEWORKER, ground="fraud")
    cases.ACTS["revoke"](rt, department["complaint"], on=TODAY, reason="弄虚作假", actor=SUPERVISOR, ground="fraud")
    client = sign_in(SUPERVISOR)
    html = client.get("/dashboard?year=2025").text
    assert '<option value="2025" selected>' in html and '<option value="2020"' in html
    assert re.search(r'<b id="fig-revocations">0</b>', html)  # the revocation is of 2026
    assert re.search(r'<b id="fig-revocations">1</b>', client.get("/dashboard?year=1999").text)  # this year
    link = re.search(r'<a id="stats-export" href="([^"]+)"', html).group(1)
    assert link == "/dashboard/stats-520000-2025.xlsx"
    book = client.get(link)
    assert book.status_code == 200 and book.content[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(book.content))["统计"]  # issue 15: the jurisdiction by name, the year
    assert sheet["A1"].value.startswith("贵州省 · 2025年度统计 · 导出时间 ")
    exports = [(e.actor, e.subject, e.result) for e in security_log.every_entry(rt) if e.action == "export"]
    assert exports == [(SUPERVISOR, "520000/2025", "ok")]
    assert client.get("/dashboard/stats-310000-2025.xlsx").status_code == 404


def test_dashboard_for_another_province_shows_nothing_of_guizhou(sign_in, department):
    html = sign_in("caseworker.hu").get("/dashboard?jurisdiction=520000").text
    assert 'value="310000" selected' in html and re.search(r'<b id="fig-in-force">0</b>', html)


# --- the lifecycle diagram -----------------------------------------------------------------

def test_the_diagram_has_one_arrow_per_source_and_destination_of_the_table():
    svg = lifecycle_svg()
    drawn = set(re.findall(r'data-source="(\w+)" data-dest="(\w+)"', svg))
    expected = {(s, t["dest"]) for t in TRANSITIONS
                for s in ([t["source"]] if isinstance(t["source"], str) else t["source"]) if t["dest"] not in ("=", s)}
    assert drawn == expected and ("suspended", "revoked") in drawn and ("applied", "inspected") in drawn
    assert edges()[("inspected", "rejected")] == ["reject"]
    assert set(edges()[("applied", "rejected")]) == {"inspect", "reject"}


def test_the_diagram_follows_the_table_not_a_drawing():
    extra = [*TRANSITIONS, {"trigger": "appeal", "source": "rejected", "dest": "applied"}]
    assert 'data-source="rejected" data-dest="applied" data-acts="appeal"' in lifecycle_svg(transitions=extra)
    assert 'data-source="rejected" data-dest="applied"' not in lifecycle_svg()


def test_the_diagram_highlights_the_cases_path(sign_in, department):
    html = sign_in(CASEWORKER).get(f"/cases/{department['recognized']}").text
    taken = set(re.findall(r'<g class="edge taken" data-source="(\w+)" data-dest="(\w+)"', html))
    visited = set(re.findall(r'<g class="state visited[^"]*" data-state="(\w+)"', html))
    assert taken == {("applied", "inspected"), ("inspected", "recognized")}
    assert visited == {"applied", "inspected", "recognized"}
    assert '<g class="state visited current" data-state="recognized">' in html


# --- the demo data ----------------------------------------------------------------------------
# (how fast the pages answer is measured in bench/, never asserted here)

def test_every_page_answers_on_the_demo_data(rt, clock):
    rt = dataclasses.replace(rt, policies=default_policies())  # the demo runs under every shipped policy
    clock.set_day(TODAY)
    load_demo(rt, TODAY)
    with PageClient(create_app(runtime=rt), follow_redirects=False) as client:
        # the demo supervisor signs in with the demo's TOTP secret (issue 14: a supervisor needs a second factor)
        assert sign_in_page(client, "supervisor.li", DEMO_PASSWORD, clock, DEMO_TOTP_SECRET).status_code == 303
        pages = ["/queue", "/queue?q=贵阳", "/dashboard", "/cases/demo-zy-tuiyi", "/cases/demo-gy-daxuesheng",
                 "/cases/demo-gy-daxuesheng/audit?as_of=2024-01-01", "/cases/demo-lps-fanxiang/audit",
                 "/cases/demo-fz-gulou", "/cases/demo-ba-xixiang"]
        for page in pages:
            answer = client.get(page)
            assert answer.status_code == 200, page
            assert "<h1" in answer.text, page


def test_issue15_an_address_that_is_no_page_answers_in_the_sites_style_and_language(app_client):
    """A typed or stale address is a page of the site (its header, its language), not the API's
    JSON; the API's own addresses keep answering problem+json."""
    missing = app_client.get("/no-such-page")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert 'data-code="not-found"' in missing.text and "页面不存在" in missing.text
    assert "No such page" in app_client.get("/no-such-page?lang=en").text
    form_address = app_client.get("/account/password")  # where a form is posted, opened as a page
    assert form_address.status_code == 405 and 'data-code="method-not-allowed"' in form_address.text
    api = app_client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"


def test_issue15_any_case_is_found_whatever_its_state_by_name_operator_code_or_id(rt, clock, sign_in, department):
    """The queue's search covers only what is to be done; /cases finds a revoked case too, by a
    word of its base's or its operator's name, its credit code or the start of its id, and filters
    by state, level and year; another province's caseworker finds nothing of Guizhou."""
    clock.set_day(TODAY)
    revoked = department["complaint"]
    cases.ACTS["suspend"](rt, revoked, on=TODAY, reason="核查", actor=CASEWORKER, ground="fraud")
    cases.ACTS["revoke"](rt, revoked, on=TODAY, reason="弄虚作假", actor=SUPERVISOR, ground="fraud")
    client = sign_in(CASEWORKER)
    assert revoked not in client.get("/queue?q=遵义").text  # nothing to do: not in the queue

    def found(**params) -> list[str]:
        html = client.get("/cases", params=params).text
        return re.findall(r'<tr data-case="([^"]+)">', html)

    assert found(q="遵义") == [revoked]
    operator_code = cases.get_case(rt, revoked).operator_code
    assert found(q=operator_code) == [revoked] and found(q=revoked[:8]) == [revoked]
    assert found(q="安顺众创") == [department["applied"]]  # the operator's name
    reference = cases.get_case(rt, revoked).reference
    assert found(q=reference) == [revoked]  # the 受理编号, shown on the case's page
    assert f'<b id="case-reference">{reference}</b>' in client.get(f"/cases/{revoked}").text
    assert found(state="revoked") == [revoked]
    assert set(found()) == set(department.values())
    assert set(found(year="2026")) == {department["applied"], department["inspected"]}
    assert found(q="不存在的基地") == []
    assert 'href="/cases"' in client.get("/queue").text  # in the header of every page
    assert re.findall(r'<tr data-case', sign_in("caseworker.hu").get("/cases").text) == []
