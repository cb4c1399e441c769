"""Issue 15, "names, not codes": the pages a department works in say people by name, times in
Beijing time, the policy by its title, and timers, flags, reminder steps and clauses in words."""
from __future__ import annotations

import dataclasses
import re
from zoneinfo import ZoneInfo

from api.web import names
from api.web.i18n import Translator
from services import cases
from services.policies import default_policies
from statemachines.policy import Source
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR
from tests.web.test_reminders_page import late_report  # noqa: F401 (a fixture)

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(at) -> str:
    local = at.astimezone(BEIJING)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}（北京时间）"


def timeline(html: str) -> str:
    return html[html.index('<table class="timeline">'):]


def test_issue15_the_timeline_names_people_keeps_their_accounts_and_says_times_in_beijing_time(
        rt, sign_in, department):
    html = sign_in(CASEWORKER).get(f"/cases/{department['recognized']}").text
    rows = timeline(html)
    events = cases.history(rt, department["recognized"])
    for who, name in ((CASEWORKER, "王芳"), (INSPECTOR, "赵磊"), (SUPERVISOR, "李强")):
        assert f'<td class="actor" title="{who}">{name}</td>' in rows, who
        assert f">{who}<" not in rows, who
    assert any(e.actor == "system" for e in events)
    assert '<td class="actor" title="system">系统</td>' in rows and ">system<" not in rows
    for e in events:
        assert beijing(e.recorded_at) in rows
    assert "UTC" not in html and "+00:00" not in html
    # the system's own reasons give their dates as people write them (截止2026年3月31日)
    assert "2025年度报告逾期未报送（截止2026年3月31日）" in rows
    assert not re.search(r"\d{4}-\d{2}-\d{2}", re.sub(r"<[^>]+>", " ", rows))


def test_issue15_the_audit_page_names_people_and_the_policy_too(rt, sign_in, department):
    html = sign_in("auditor.chen").get(f"/cases/{department['recognized']}/audit").text
    assert '<td class="actor" title="caseworker.wang">王芳</td>' in html and "（北京时间）" in html
    assert "贵州省省级创业孵化示范基地认定与管理" in html and "第1版" in html
    assert "UTC" not in html and "+00:00" not in html and "guizhou-provincial-2022 v" not in html


def test_issue15_the_facts_give_the_policy_by_title_version_and_first_day_not_its_id(sign_in, department):
    html = sign_in(CASEWORKER).get(f"/cases/{department['complaint']}").text
    policy = re.search(r'<dd id="case-policy"[^>]*>([^<]+)</dd>', html).group(1)
    assert policy.startswith("贵州省省级创业孵化示范基地认定与管理") and "第1版" in policy
    assert "自2022年7月22日起施行" in policy
    assert "guizhou-provincial-2022" not in policy and " v1" not in policy


def test_issue15_a_policy_with_a_document_number_is_cited_by_it(rt):
    policy = rt.policies.get("guizhou-provincial-2022", 1)
    numbered = dataclasses.replace(policy, sources=(
        Source("x", "某通知", None, None, None, None), Source("y", "某办法", "黔人社发〔2022〕7号", None, None, None)))
    assert "文号 黔人社发〔2022〕7号，第1版" in names.policy_words(Translator("zh"), numbered)
    assert "Document no. 黔人社发〔2022〕7号, version 1, in force from 2022-07-22" in names.policy_words(
        Translator("en"), numbered)


def test_issue15_the_case_shows_its_operator_address_inspection_and_first_day_in_force(rt, sign_in, department):
    client = sign_in(INSPECTOR)
    client.post(f"/cases/{department['applied']}/acts/inspect",
                data={"on": "2026-05-20", "reason": "现场考察", "outcome": "pass",
                      "inspectors": f"{INSPECTOR}，{CASEWORKER}", "experts": "钱七、孙教授",
                      "findings": "场地符合条件"})
    html = client.get(f"/cases/{department['applied']}").text
    assert '<dd id="case-operator">安顺众创空间管理有限公司</dd>' in html
    assert '<dd id="case-address">贵州省贵阳市观山湖区长岭北路8号</dd>' in html
    inspectors = re.search(r'<dd id="inspectors">(.*?)</dd>', html).group(1)
    assert re.sub(r"<[^>]+>", "", inspectors) == "赵磊、王芳" and f'title="{INSPECTOR}"' in inspectors
    assert '<dd id="experts">钱七、孙教授</dd>' in html and '<dd id="findings">场地符合条件</dd>' in html
    assert "case-recognized-on" not in html  # not recognised yet
    recognised = sign_in(CASEWORKER).get(f"/cases/{department['recognized']}").text
    assert '<dd id="case-recognized-on">2024年12月10日</dd>' in recognised


def test_issue15_flags_timers_reminder_steps_and_clauses_are_in_words(sign_in, department):
    html = sign_in(CASEWORKER).get(f"/cases/{department['recognized']}").text
    flags = re.search(r'<dd id="case-flags">(.*?)</dd>', html).group(1)
    assert ">2025年度工作报告逾期<" in flags and 'data-flag="annual_report_overdue:2025"' in flags
    assert "绩效考核 <span class=\"muted\">第1认定期第1次</span>" in html
    assert "年度报告 <span class=\"muted\">2026年度</span>" in html
    assert "到期前30日" in html and ">d30<" not in html and "：d30" not in html
    assert "<dt data-clause=\"recognition_period\" title=\"R6\">认定有效期</dt>" in html
    assert "R6 · recognition_period" not in html and ">recognition_period<" not in html


def test_issue15_english_pages_say_the_same_in_english(sign_in, department):
    html = sign_in(CASEWORKER).get(f"/cases/{department['recognized']}?lang=en").text
    assert '<td class="actor" title="system">System</td>' in html and "(Beijing time)" in html
    assert "2025 report overdue" in html and "version 1, in force from 2022-07-22" in html
    assert ">Period of recognition<" in html and "30 days before" in html


def test_issue15_the_account_page_names_its_user(sign_in, department):
    html = sign_in(CASEWORKER).get("/account").text
    assert '<small id="account-name">王芳 <code class="muted" title="用户名">caseworker.wang</code></small>' in html


def test_issue15_timer_keys_and_flags_of_every_kind_in_words():
    zh = Translator("zh")
    assert [names.timer_key(zh, kind, key) for kind, key in (
        ("annual_report", "2025"), ("assessment", "1.2"), ("assessment", "1.2025"), ("rectification", "2.1"),
        ("reevaluation", "1"), ("reevaluation_decision", "2"), ("instalment", "3"), ("public_notice", "1"),
        ("ban_end", "1"), ("clawback", "1"))] == [
        "2025年度", "第1认定期第2次", "2025年度", "第2认定期第1次", "第1认定期", "第2认定期", "第3期", "第1次公示",
        "", ""]
    assert [names.flag(zh, f) for f in ("annual_report_overdue:2025", "assessment_overdue:1.2",
                                        "rectification_review_due", "reevaluation_review_due",
                                        "clawback_overdue", "something_new")] == [
        "2025年度工作报告逾期", "第1认定期第2次绩效考核逾期", "整改期满，待复核", "认定期满，待复评",
        "补助资金逾期未退回", "something_new"]
    assert names.work_detail(zh, "complaint", "ts-1") == "ts-1"
    assert names.work_detail(zh, "reevaluation", "1") == "第1认定期"
    assert names.person(zh, {CASEWORKER: "王芳"}, "system") == "系统"
    assert names.person(zh, {CASEWORKER: "王芳"}, "someone.gone") == "someone.gone"


def test_issue15_every_clause_of_every_shipped_policy_has_a_chinese_name():
    zh = Translator("zh")
    for policy in default_policies():
        for key in policy.clauses:
            assert names.clause(zh, key) != key, (policy.id, key)


def test_issue15_my_reminders_say_which_report_and_every_status_has_words(sign_in, late_report):  # noqa: F811
    html = sign_in(CASEWORKER).get("/reminders").text
    assert "年度报告 2024年度" in html
    zh, en = Translator("zh"), Translator("en")
    for status in ("pending", "sending", "failed", "sent"):  # the outbox's (db/reminders.py)
        assert zh(f"rs.{status}") not in (status, en(f"rs.{status}")), status


def test_issue15_every_new_word_is_in_both_languages():
    from api.web import name_labels
    assert set(name_labels.ZH) == set(name_labels.EN)
    assert all(name_labels.ZH[k] != name_labels.EN[k] for k in name_labels.ZH)
