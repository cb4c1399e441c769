"""Spreadsheets for auditors (.xlsx): one sheet per table, Chinese text kept as text.

Every string is written as a string cell, never a formula (issue 14 #6): openpyxl takes a value
starting with '=' for a formula, so a base named `=HYPERLINK("http://evil.example/x","点击查看材料")`
became a link in the auditor's Excel. A text that a spreadsheet would read as a formula when typed
(=, +, -, @, a tab or a carriage return first) is also marked quote-prefixed, so editing the cell
in Excel keeps it text. The characters XML 1.0 cannot hold (control characters recorded before
input was normalised) are shown as U+FFFD; the JSON dossier keeps the exact text.
"""
from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def workbook(sheets: Mapping[str, tuple[Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, (header, rows) in sheets.items():
        sheet = book.create_sheet(title=title[:31])
        _append(sheet, header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            _append(sheet, row)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _append(sheet: Any, row: Sequence[Any]) -> None:
    values = [_cell(v) for v in row]
    sheet.append(values)
    for cell, value in zip(sheet[sheet.max_row], values, strict=False):
        if isinstance(value, str):
            cell.data_type = "s"  # as text, whatever it starts with
            cell.quotePrefix = value.startswith(FORMULA_STARTS)


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def dossier_workbook(d: Mapping[str, Any]) -> bytes:
    events = d["events"]
    return workbook({
        "事件 events": (
            ["seq", "act", "on", "recorded_at", "actor", "reason", "rule", "policy_version", "payload",
             "prev_hash", "hash"],
            ([e["seq"], e["act"], e["on"], e["recorded_at"], e["actor"], e["reason"], e["rule"],
              e["policy_version"], e["payload"], e["prev_hash"], e["hash"]] for e in events)),
        "时限与提醒 timers": (
            ["type", "kind", "key", "due_on", "status", "step", "recipient", "channel", "send_on", "last_error"],
            [*(["timer", t["kind"], t["key"], t["due_on"], t["status"], "", "", "", "", ""] for t in d["timers"]),
             *(["reminder", r["timer_kind"], r["timer_key"], r["due_on"], r["status"], r["step"], r["recipient"],
                r["channel"], r["send_on"], r.get("last_error") or ""] for r in d["reminders"])]),
        "核验 verification": (
            ["case", "ok", "events", "seq", "rule", "check", "message"],
            [[d["case"]["id"], d["verification"]["ok"], d["verification"]["events"], v["seq"], v["rule"],
              v["check"], v["message"]] for v in d["verification"]["violations"]]
            or [[d["case"]["id"], True, d["verification"]["events"], "", "", "", "全部核验通过"]]),
        "案件 case": (["field", "value"], ([k, v] for k, v in d["case"].items())),
    })


def statistics_workbook(stats: Mapping[str, Any]) -> bytes:
    return workbook({"统计 statistics": (["figure", "value"], ([k, v] for k, v in stats.items()))})
