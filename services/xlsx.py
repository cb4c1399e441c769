"""Spreadsheets for auditors (.xlsx): one sheet per table, Chinese text kept as text."""
from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font


def workbook(sheets: Mapping[str, tuple[Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, (header, rows) in sheets.items():
        sheet = book.create_sheet(title=title[:31])
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(v) for v in row])
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
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
