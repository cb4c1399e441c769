"""Spreadsheets (services/xlsx.py): text stays text, never a formula (issue 14 #6), and every sheet is
ready to file (issue 15): a title row, a frozen header row, typed date, time and money cells, columns
as wide as what they hold (CJK counting double), A4 landscape print setup."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone

from openpyxl import load_workbook

from services.xlsx import Sheet, Yuan, beijing, display_width, workbook

EVIL = '=HYPERLINK("http://evil.example/x","点击查看材料")'


def sheets_xml(content: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")]


def one_sheet(rows, header=("name", "n"), title="标题", lang="zh", footer=""):
    content = workbook([Sheet("t", title, list(header), rows)], lang=lang, page_footer=footer)
    return content, load_workbook(io.BytesIO(content))["t"]


def test_issue14_6_a_formula_looking_text_is_written_as_a_string():
    """issue 14 #6: a base named =HYPERLINK(…) was written as a formula cell — in a row or in the title."""
    content, sheet = one_sheet([[EVIL, 1], ["+1+2", 2], ["-1", 3], ["@SUM(A1)", 4], ["平常", 5]], title=EVIL)
    for xml in sheets_xml(content):
        assert not re.search(r"<f[ >]", xml)
    assert [(c.value, c.data_type) for c in sheet["A"][2:]] == [
        (EVIL, "s"), ("+1+2", "s"), ("-1", "s"), ("@SUM(A1)", "s"), ("平常", "s")]
    # quote-prefixed, so editing it in a spreadsheet keeps it text; plain text is left alone
    assert [c.quotePrefix for c in sheet["A"][2:]] == [True, True, True, True, False]
    assert [c.value for c in sheet["B"][2:]] == [1, 2, 3, 4, 5]  # numbers stay numbers
    assert (sheet["A1"].value, sheet["A1"].data_type, sheet["A1"].quotePrefix) == (EVIL, "s", True)


def test_text_xml_cannot_hold_is_shown_not_a_failed_export():
    """A control character recorded before input was normalised would make openpyxl refuse the cell."""
    _, sheet = one_sheet([["a\x0bb", 1]])
    assert sheet["A3"].value == "a\ufffdb"


def test_issue15_a_title_row_then_a_frozen_header_row():
    _, sheet = one_sheet([["x", 1]], header=("名称", "数量"), title="贵阳市大学生创业园 · 受理编号 520000-2023-0001")
    assert sheet["A1"].value == "贵阳市大学生创业园 · 受理编号 520000-2023-0001" and sheet["A1"].font.bold
    assert "A1:B1" in {str(r) for r in sheet.merged_cells.ranges}  # the title spans the table
    assert [c.value for c in sheet[2]] == ["名称", "数量"] and all(c.font.bold for c in sheet[2])
    assert sheet.freeze_panes == "A3"  # title and header stay in view


def test_issue15_dates_are_date_cells_shown_in_chinese_or_iso():
    for lang, shown in (("zh", 'yyyy"年"m"月"d"日"'), ("en", "yyyy-mm-dd")):
        _, sheet = one_sheet([[date(2026, 12, 2), 1]], lang=lang)
        cell = sheet["A3"]
        assert cell.is_date and cell.value == datetime(2026, 12, 2) and cell.number_format == shown


def test_issue15_recorded_times_are_datetime_cells_in_beijing_time():
    """A moment stored in UTC is written as Beijing wall-clock time (Excel has no zones), to the second."""
    at = datetime(2026, 12, 2, 18, 30, 15, 999, tzinfo=UTC)  # 02:30 on the 3rd in Beijing
    naive_utc = datetime(2026, 12, 2, 18, 30, 15)  # as SQLite returns a stored moment
    other_zone = datetime(2026, 12, 3, 3, 30, 15, tzinfo=timezone(timedelta(hours=9)))
    _, sheet = one_sheet([[at, naive_utc], [other_zone, None]])
    for cell in (sheet["A3"], sheet["B3"], sheet["A4"]):
        assert cell.is_date and cell.value == datetime(2026, 12, 3, 2, 30, 15)
        assert cell.number_format == 'yyyy"年"m"月"d"日" hh:mm:ss'
    assert beijing(at) == datetime(2026, 12, 3, 2, 30, 15)


def test_issue15_money_is_a_number_of_yuan_with_two_decimals():
    _, sheet = one_sheet([[Yuan(50000050), Yuan(1)]])
    assert (sheet["A3"].value, sheet["B3"].value) == (500000.5, 0.01)
    assert sheet["A3"].number_format == '"¥"#,##0.00' and sheet["A3"].data_type == "n"


def test_issue15_columns_fit_what_they_hold_cjk_counting_double():
    assert display_width("贵阳市") == 6 and display_width("abc") == 3 and display_width("（元）") == 6
    _, sheet = one_sheet([["贵阳市大学生创业园", "ab"], ["x", date(2026, 12, 2)]], header=("基地", "n"))
    assert sheet.column_dimensions["A"].width == 2 * 9 + 2
    assert sheet.column_dimensions["B"].width == display_width("2026年12月2日") + 2  # as the date is shown
    long = "很长的考察意见" * 20
    _, sheet = one_sheet([[long, 1]])
    assert sheet.column_dimensions["A"].width == 66 and sheet["A3"].alignment.wrap_text  # capped, wrapped


def test_issue15_prints_on_a4_landscape_fit_to_width_header_repeated_pages_numbered():
    _, sheet = one_sheet([["x", 1]], title="A&B 创业园", footer="第 &P 页，共 &N 页")
    setup = sheet.page_setup
    assert (setup.paperSize, setup.orientation) == (9, "landscape")  # 9: A4 in the OOXML paper codes
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$2:$2"  # the header row on every page
    assert sheet.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert sheet.oddHeader.center.text == "A&&B 创业园"  # a name's own & is not a header code
