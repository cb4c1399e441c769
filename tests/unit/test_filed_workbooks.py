"""The dossier and statistics workbooks a department files (services/filed_workbooks.py, issue 15
"Exports ready to file"): Chinese headers (English on request), acts, states, levels, choices,
jurisdictions and users in words, payload fields as columns of their own with real dates and 元,
recorded times in Beijing time, the hashes kept to the 核验 sheet."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime

from openpyxl import load_workbook

from services.filed_workbooks import dossier_workbook, statistics_workbook

EVIL = '=HYPERLINK("http://evil.example/x","点击查看材料")'
H1, H2 = "a" * 64, "b" * 64


def a_dossier(**case) -> dict:
    return {
        "generated_at": "2026-12-02T16:05:00+00:00",  # 2026年12月3日 00:05 in Beijing
        "as_of": "2026-12-03",
        "case": {"id": "c1", "reference": "520000-2024-0007", "base": "贵阳市大学生创业园",
                 "operator_code": "91520100MA6DGY0014", "level": "provincial", "jurisdiction": "520100",
                 "state": "revoked", "version": 3, "policy": "guizhou-provincial-2022 v1",
                 "policy_title": "贵州省省级创业孵化示范基地认定与管理", "flags": ["annual_report_overdue:2025"],
                 "period": {"number": 1, "start": "2024-06-12", "end": "2029-06-12"}, **case},
        "events": [
            {"seq": 1, "act": "approve", "on": "2024-06-12", "recorded_at": "2024-06-12T02:00:00+00:00",
             "actor": "supervisor.li", "reason": "同意认定", "rule": "R5", "policy_version": 1, "prev_hash": H1,
             "hash": H2, "payload": {"period": {"number": 1, "start": "2024-06-12", "end": "2029-06-12"},
                                     "instalments": [{"number": 1, "amount_fen": 50000050, "due_on": "2024-06-12"}]}},
            {"seq": 2, "act": "record_payment", "on": "2024-07-01", "recorded_at": "2024-06-30T17:30:00+00:00",
             "actor": "caseworker.wang", "reason": "已拨付", "rule": "R11", "policy_version": 1, "prev_hash": H2,
             "hash": H1, "payload": {"number": 1, "amount_fen": 50000050}},
            {"seq": 3, "act": "revoke", "on": "2025-09-10", "recorded_at": "2025-09-10T01:00:00+00:00",
             "actor": "system", "reason": "整改后仍未达标", "rule": "R9", "policy_version": 1, "prev_hash": H1,
             "hash": H2, "payload": {"ground": "rectification_failed", "inspectors": ["caseworker.wang"],
                                     "ban": {"level": "provincial", "length": "3y", "first_day": "2025-09-10",
                                             "last_day": "2028-09-10"}}},
        ],
        "timers": [{"kind": "ban_end", "key": "1", "due_on": "2028-09-11", "provisional": False,
                    "status": "pending"}],
        "reminders": [{"timer_kind": "annual_report", "timer_key": "2025", "due_on": "2026-03-31", "step": "d30",
                       "recipient": "user:caseworker.wang", "channel": "inbox", "send_on": "2026-03-01",
                       "status": "sent", "sent_at": "2026-03-01T00:00:01", "last_error": None}],
        "verification": {"ok": True, "events": 3, "violations": []},
        "people": {"caseworker.wang": "王芳", "supervisor.li": "李强"},
    }


def sheets(content: bytes) -> dict:
    book = load_workbook(io.BytesIO(content))
    return {ws.title: ws for ws in book}


def table(ws) -> tuple[list, list[dict]]:
    """The header row and each row below it as {header: cell}."""
    header = [c.value for c in ws[2]]
    return header, [dict(zip(header, row, strict=False)) for row in ws.iter_rows(min_row=3)]


def test_issue15_the_dossier_sheets_have_chinese_names_and_a_title_with_base_reference_and_export_time():
    book = sheets(dossier_workbook(a_dossier()))
    assert list(book) == ["案卷信息", "办理记录", "期限与提醒", "核验"]
    for ws in book.values():
        assert ws["A1"].value == ("贵阳市大学生创业园 · 受理编号 520000-2024-0007 · 案卷 · "
                                  "导出时间 2026年12月3日 00:05（北京时间）")
        assert ws.freeze_panes == "A3" and ws.print_title_rows == "$2:$2"
        assert ws.page_setup.orientation == "landscape" and ws.oddFooter.center.text == "第 &P 页，共 &N 页"


def test_issue15_the_case_sheet_says_names_not_codes_and_dates_as_dates():
    ws = sheets(dossier_workbook(a_dossier()))["案卷信息"]
    facts = {row[0].value: row[1] for row in ws.iter_rows(min_row=3)}
    assert [c.value for c in ws[2]] == ["项目", "内容"]
    assert facts["受理编号"].value == "520000-2024-0007" and facts["系统编号"].value == "c1"
    assert (facts["级别"].value, facts["状态"].value) == ("省级", "已撤销")
    assert facts["辖区"].value == "520100 贵州省贵阳市"
    assert facts["政策"].value == "贵州省省级创业孵化示范基地认定与管理（guizhou-provincial-2022）"
    assert facts["政策版本"].value == "第1版" and facts["待办标记"].value == "2025年度工作报告逾期"
    start = facts["认定期起始日"]
    assert start.is_date and start.value == datetime(2024, 6, 12) and start.number_format == 'yyyy"年"m"月"d"日"'
    assert facts["核验结果"].value.startswith("通过（3个事件")


def test_issue15_acts_in_words_by_display_name_recorded_in_beijing_time_payload_as_columns():
    header, rows = table(sheets(dossier_workbook(a_dossier()))["办理记录"])
    assert header[:9] == ["序号", "办理日期", "事项", "办理人", "用户名", "事由", "规则", "政策版本",
                          "录入时间（北京时间）"]
    # one column per field across the case's acts, in the order they first appear; no JSON blob, no hash
    assert header[9:] == ["认定期次", "认定期起始日", "认定期届满日", "补助分期", "期次", "金额（元）",
                          "撤销或暂停事由", "参加考察的工作人员", "限制级别", "限制期长", "限制起始日", "限制届满日"]
    approve, payment, revoke = rows
    assert [approve[h].value for h in ("事项", "办理人", "用户名")] == ["批复认定", "李强", "supervisor.li"]
    assert [revoke[h].value for h in ("事项", "办理人", "用户名")] == ["撤销认定", "系统", "system"]
    recorded = payment["录入时间（北京时间）"]  # 17:30 UTC on 30 June is 01:30 on 1 July in Beijing
    assert recorded.is_date and recorded.value == datetime(2024, 7, 1, 1, 30)
    assert recorded.number_format == 'yyyy"年"m"月"d"日" hh:mm:ss'
    assert payment["办理日期"].value == datetime(2024, 7, 1) and payment["办理日期"].is_date
    amount = payment["金额（元）"]
    assert (amount.value, amount.number_format) == (500000.5, '"¥"#,##0.00')
    assert approve["金额（元）"].value is None  # a field an act does not have is left empty
    assert approve["补助分期"].value == "期次 1，金额（元） ¥500,000.50，到期日 2024年6月12日"
    assert approve["认定期届满日"].value == datetime(2029, 6, 12)
    assert [revoke[h].value for h in ("撤销或暂停事由", "限制级别", "限制期长")] == ["整改后仍不达标", "省级", "3年"]
    assert revoke["参加考察的工作人员"].value == "王芳（caseworker.wang）"
    assert revoke["限制届满日"].is_date and revoke["限制届满日"].value == datetime(2028, 9, 10)
    for row in rows:
        assert all(H1 not in str(c.value) and H2 not in str(c.value) for c in row.values())


def test_issue15_deadlines_and_reminders_in_words():
    _, rows = table(sheets(dossier_workbook(a_dossier()))["期限与提醒"])
    timer, reminder = rows
    assert [timer[h].value for h in ("类别", "事项", "状态")] == ["期限", "再申报限制届满 1", "待到期"]
    assert [reminder[h].value for h in ("类别", "事项", "提醒节点", "接收人", "渠道", "状态")] == [
        "提醒", "2025年度工作报告报送", "到期前30日", "王芳（caseworker.wang）", "站内信", "已发送"]
    assert reminder["发送时间（北京时间）"].value == datetime(2026, 3, 1, 8, 0, 1)  # stored naive UTC
    assert reminder["到期日"].is_date


def test_issue15_the_hashes_are_on_the_verification_sheet_with_each_events_result():
    dossier = a_dossier()
    dossier["verification"] = {"ok": False, "events": 3, "violations": [
        {"case_id": "c1", "seq": 2, "rule": "R17", "check": "chain", "message": "hash mismatch"},
        {"case_id": "c1", "seq": None, "rule": "R17", "check": "replay", "message": "state differs"}]}
    book = sheets(dossier_workbook(dossier))
    header, rows = table(book["核验"])
    assert header == ["序号", "事项", "前一事件哈希", "本事件哈希", "核验"]
    assert [(r["序号"].value, r["前一事件哈希"].value, r["本事件哈希"].value, r["核验"].value) for r in rows] == [
        (1, H1, H2, "通过"), (2, H2, H1, "R17 [chain] hash mismatch"), (3, H1, H2, "通过"),
        (None, None, None, "R17 [replay] state differs")]
    assert book["核验"].column_dimensions["C"].width >= 64  # a hash on one line
    facts = {row[0].value: row[1].value for row in book["案卷信息"].iter_rows(min_row=3)}
    assert facts["核验结果"] == "发现2处问题（见“核验”表）"


def test_issue15_the_dossier_in_english_when_asked():
    book = sheets(dossier_workbook(a_dossier(), "en"))
    assert list(book) == ["Case", "Acts", "Deadlines and reminders", "Verification"]
    header, rows = table(book["Acts"])
    assert header[:4] == ["No.", "Business date", "Act", "Recorded by"] and "Amount (yuan)" in header
    assert rows[0]["Act"].value == "Approve" and rows[0]["Business date"].number_format == "yyyy-mm-dd"
    assert book["Acts"]["A1"].value.endswith("Exported 2026-12-03 00:05 (Beijing time)")
    assert book["Acts"].oddFooter.center.text == "Page &P of &N"


def test_issue14_6_every_sheet_of_the_dossier_and_the_statistics_keeps_text_as_text():
    dossier = a_dossier(base=EVIL)
    dossier["events"][0].update(actor="=cmd|' /C calc'!A0", reason="=1+1")
    dossier["events"][0]["payload"]["base_name"] = EVIL
    stats = {"jurisdiction": "520000", "year": 2024, "as_of": "2024-12-31", "assessment_results": {"=1+1": 1}}
    for content in (dossier_workbook(dossier), statistics_workbook(stats, datetime.now(UTC))):
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            for name in (n for n in z.namelist() if n.startswith("xl/worksheets/sheet")):
                assert not re.search(rb"<f[ >]", z.read(name))
    facts = {row[0].value: row[1] for row in sheets(dossier_workbook(dossier))["案卷信息"].iter_rows(min_row=3)}
    assert (facts["基地名称"].value, facts["基地名称"].data_type) == (EVIL, "s")


def test_issue15_statistics_with_the_jurisdictions_name_the_year_and_figures_in_words():
    stats = {"jurisdiction": "520000", "year": 2025, "as_of": "2025-12-31", "cases": 3, "recognized": 2,
             "assessment_results": {"达标": 1, "": 1}, "revoked": 1,
             "revoked_by_ground": {"rectification_failed": 1}, "by_level": {"provincial": 2}}
    ws = sheets(statistics_workbook(stats, datetime(2026, 1, 5, 1, 2, tzinfo=UTC)))["统计"]
    assert ws["A1"].value == "贵州省 · 2025年度统计 · 导出时间 2026年1月5日 09:02（北京时间）"
    assert [c.value for c in ws[2]] == ["指标", "数值"]
    figures = {row[0].value: row[1] for row in ws.iter_rows(min_row=3)}
    assert figures["辖区"].value == "520000 贵州省" and figures["年度"].value == 2025
    assert figures["统计截至"].is_date and figures["统计截至"].value == datetime(2025, 12, 31)
    assert {k: figures[k].value for k in ("认定事项总数", "年末认定有效", "本年撤销", "考核结果：达标",
                                           "考核结果：（未定等级）", "撤销事由：整改后仍不达标",
                                           "年末认定有效：省级")} == {
        "认定事项总数": 3, "年末认定有效": 2, "本年撤销": 1, "考核结果：达标": 1, "考核结果：（未定等级）": 1,
        "撤销事由：整改后仍不达标": 1, "年末认定有效：省级": 2}
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$2:$2"
    english = sheets(statistics_workbook(stats, datetime(2026, 1, 5, 1, 2, tzinfo=UTC), "en"))["Statistics"]
    assert [c.value for c in english[2]] == ["Figure", "Value"]
    assert english["A1"].value == "贵州省 · statistics 2025 · Exported 2026-01-05 09:02 (Beijing time)"


def test_issue15_a_correction_and_an_inspection_have_their_fields_in_words_too():
    """The correction's changes (R17) and the inspection's experts get columns of their own, typed like
    the act's own fields: a corrected date is a date, a corrected amount 元."""
    dossier = a_dossier()
    dossier["events"] = [
        {**dossier["events"][1], "seq": 1},
        {"seq": 2, "act": "inspect", "on": "2024-07-02", "recorded_at": "2024-07-02T01:00:00+00:00",
         "actor": "caseworker.wang", "reason": "现场考察", "rule": "R4", "policy_version": 1, "prev_hash": H1,
         "hash": H2, "payload": {"outcome": "pass", "experts": ["张教授", "刘工"], "findings": ""}},
        {"seq": 3, "act": "correct", "on": "2024-07-03", "recorded_at": "2024-07-03T01:00:00+00:00",
         "actor": "supervisor.li", "reason": "金额录错", "rule": "R17", "policy_version": 1, "prev_hash": H2,
         "hash": H1, "payload": {"corrects": 1, "changes": {"on": "2024-07-02", "payload": {"amount_fen": 100}}}},
    ]
    header, rows = table(sheets(dossier_workbook(dossier))["办理记录"])
    assert header[9:] == ["期次", "金额（元）", "结果", "外部专家", "考察意见", "更正的事件序号", "更正后的办理日期",
                          "更正后 · 金额（元）"]
    inspect, correction = rows[1], rows[2]
    assert inspect["外部专家"].value == "张教授、刘工" and inspect["结果"].value == "通过/达标"
    assert correction["事项"].value == "更正" and correction["更正的事件序号"].value == 1
    assert correction["更正后的办理日期"].is_date and correction["更正后的办理日期"].value == datetime(2024, 7, 2)
    assert (correction["更正后 · 金额（元）"].value, correction["更正后 · 金额（元）"].number_format) == (
        1, '"¥"#,##0.00')
