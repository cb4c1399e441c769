"""Spreadsheets ready to file (.xlsx): each sheet a title row, a frozen header row, typed cells,
columns as wide as what they hold, and a print setup for A4.

Cells are typed as a records officer needs them (issue 15): a `date` is an Excel date shown
2026年12月2日 (2026-12-02 in English), a `datetime` is a moment shown in Beijing time (Excel has no
zones, so it is converted to Asia/Shanghai and the header says so), `Yuan` is an amount in 元 as a
number formatted ¥#,##0.00.

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
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from services.money import fen_to_yuan
from statemachines.acts import BUSINESS_ZONE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMATS = {"zh": 'yyyy"年"m"月"d"日"', "en": "yyyy-mm-dd"}
TIME_FORMATS = {"zh": 'yyyy"年"m"月"d"日" hh:mm:ss', "en": "yyyy-mm-dd hh:mm:ss"}
YUAN_FORMAT = '"¥"#,##0.00'
# a column is as wide as its widest cell, within these (in Excel's character widths; a CJK character
# counts two); a longer text wraps in its cell
MIN_WIDTH, MAX_WIDTH = 6, 66  # a SHA-256 in hex (64) fits on one line
TITLE_ROW, HEADER_ROW = 1, 2
HEADER_FOOTER_MAX = 250  # Excel refuses a header or footer section past 255 characters


@dataclass(frozen=True)
class Yuan:
    """An amount kept in fen, written as a number of 元 with two decimals."""

    fen: int


@dataclass(frozen=True)
class Sheet:
    name: str  # at most 31 characters (Excel's limit)
    title: str  # the title row, also the printed page's header
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]


def workbook(sheets: Sequence[Sheet], *, lang: str = "zh", page_footer: str = "") -> bytes:
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        _write(book.create_sheet(title=sheet.name[:31]), sheet, lang, page_footer)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def beijing(moment: datetime) -> datetime:
    """The moment as Beijing wall-clock time, to the second; a naive moment is UTC (as stored)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(BUSINESS_ZONE).replace(tzinfo=None, microsecond=0)


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def shown(value: Any, lang: str) -> str:
    """The text a cell shows, to size its column by."""
    if isinstance(value, datetime):
        return f"{date_text(value, lang)} {value:%H:%M:%S}"
    if isinstance(value, date):
        return date_text(value, lang)
    if isinstance(value, Yuan):
        return "¥" + fen_to_yuan(value.fen)
    return "" if value is None else str(value)


def date_text(day: date, lang: str) -> str:
    """As the date cells show it: 2026年12月2日, or 2026-12-02 in English."""
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.strftime("%Y-%m-%d")


def _write(ws: Worksheet, sheet: Sheet, lang: str, page_footer: str) -> None:
    columns = max(len(sheet.header), 1)
    title = ws.cell(TITLE_ROW, 1, _text(sheet.title))
    title.font = Font(bold=True, size=13)
    title.data_type, title.quotePrefix = "s", sheet.title.startswith(FORMULA_STARTS)  # a base named =…
    if columns > 1:
        ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=columns)
    widths = [display_width(str(h)) + 2 for h in sheet.header]
    _append(ws, sheet.header, lang)
    for cell in ws[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in sheet.rows:
        _append(ws, row, lang)
        for i, value in enumerate(row[:len(widths)]):
            widths[i] = max(widths[i], max((display_width(line) for line in shown(value, lang).splitlines()),
                                           default=0) + 2)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(width, MIN_WIDTH), MAX_WIDTH)
        if width > MAX_WIDTH:
            for (cell,) in ws.iter_rows(min_row=HEADER_ROW + 1, min_col=i, max_col=i):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    _print_setup(ws, sheet.title, page_footer)


def _print_setup(ws: Worksheet, title: str, page_footer: str) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.print_options.gridLines = True
    # '&' starts a code in a header or footer (&P is the page number): a base's own '&' is doubled
    if title:  # (an empty section is written as a bare code that openpyxl cannot read back)
        ws.oddHeader.center.text = _text(title).replace("&", "&&")[:HEADER_FOOTER_MAX]
    if page_footer:
        ws.oddFooter.center.text = page_footer[:HEADER_FOOTER_MAX]


def _append(ws: Worksheet, row: Sequence[Any], lang: str) -> None:
    values = [_cell(v) for v in row]
    ws.append(values)
    for cell, raw, value in zip(ws[ws.max_row], row, values, strict=False):
        if isinstance(value, str):
            cell.data_type = "s"  # as text, whatever it starts with
            cell.quotePrefix = value.startswith(FORMULA_STARTS)
            if "\n" in value:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        elif isinstance(raw, datetime):
            cell.number_format = TIME_FORMATS.get(lang, TIME_FORMATS["en"])
        elif isinstance(raw, date):
            cell.number_format = DATE_FORMATS.get(lang, DATE_FORMATS["en"])
        elif isinstance(raw, Yuan):
            cell.number_format = YUAN_FORMAT


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return beijing(value)
    if isinstance(value, Yuan):
        return Decimal(value.fen) / 100  # exact: 500050 fen is 5000.50
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str):
        return _text(value)
    return value


def _text(value: str) -> str:
    return str(ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
