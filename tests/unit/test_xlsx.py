"""Exports as spreadsheets (services/xlsx.py, issue 14 #6): every text cell of every sheet is a
string, never a formula, whatever the text starts with."""
from __future__ import annotations

import io
import re
import zipfile

from openpyxl import load_workbook

from services.xlsx import dossier_workbook, statistics_workbook, workbook

EVIL = '=HYPERLINK("http://evil.example/x","点击查看材料")'


def sheets_xml(content: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")]


def test_issue14_6_a_formula_looking_text_is_written_as_a_string():
    """issue 14 #6: a base named =HYPERLINK(…) was written as a formula cell."""
    content = workbook({"t": (["name", "n"], [[EVIL, 1], ["+1+2", 2], ["-1", 3], ["@SUM(A1)", 4], ["平常", 5]])})
    for xml in sheets_xml(content):
        assert "<f>" not in xml and "<f " not in xml
    sheet = load_workbook(io.BytesIO(content))["t"]
    assert [(c.value, c.data_type) for c in sheet["A"][1:]] == [
        (EVIL, "s"), ("+1+2", "s"), ("-1", "s"), ("@SUM(A1)", "s"), ("平常", "s")]
    # quote-prefixed, so editing it in a spreadsheet keeps it text; plain text is left alone
    assert [c.quotePrefix for c in sheet["A"][1:]] == [True, True, True, True, False]
    assert [c.value for c in sheet["B"][1:]] == [1, 2, 3, 4, 5]  # numbers stay numbers


def test_issue14_6_every_sheet_of_the_dossier_and_the_statistics_keeps_text_as_text():
    dossier = {
        "case": {"id": "c1", "base": EVIL, "state": "recognized"},
        "events": [{"seq": 1, "act": "apply", "on": "2024-04-08", "recorded_at": "2024-04-08T02:00:00+00:00",
                    "actor": "=cmd|' /C calc'!A0", "reason": "=1+1", "rule": "R1", "policy_version": 1,
                    "payload": {"base_name": EVIL}, "prev_hash": "", "hash": "ab"}],
        "timers": [{"kind": "annual_report", "key": "=2025", "due_on": "2026-03-31", "status": "pending"}],
        "reminders": [],
        "verification": {"ok": True, "events": 1, "violations": []},
    }
    stats = {"jurisdiction": "520000", "assessment_results": {"=1+1": 1}, "cases": 1}
    for content in (dossier_workbook(dossier), statistics_workbook(stats)):
        for xml in sheets_xml(content):
            assert not re.search(r"<f[ >]", xml)
    case_sheet = load_workbook(io.BytesIO(dossier_workbook(dossier)))["案件 case"]
    base = next(row[1] for row in case_sheet.iter_rows(min_row=2) if row[0].value == "base")
    assert (base.value, base.data_type) == (EVIL, "s")


def test_text_xml_cannot_hold_is_shown_not_a_failed_export():
    """A control character recorded before input was normalised would make openpyxl refuse the cell."""
    sheet = load_workbook(io.BytesIO(workbook({"t": (["x"], [["a\x0bb"]])})))["t"]
    assert sheet["A2"].value == "a\ufffdb"
