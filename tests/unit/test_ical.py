"""Issue 15, the deadlines calendar's iCalendar writer (RFC 5545): CRLF line ends, lines folded at 75
octets without splitting a Chinese character, TEXT escaped, all-day DATE values, the UID kept."""
from __future__ import annotations

from datetime import UTC, date, datetime

from services.ical import AllDayEvent, calendar, escape_text, fold
from tests.ical_reader import events, physical_lines

STAMP = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def test_rfc5545_a_long_chinese_line_is_folded_at_75_octets_never_inside_a_character():
    line = "SUMMARY:" + "贵阳市大学生创业园" * 12
    folded = fold(line).encode("utf-8")
    parts = physical_lines(folded + b"\r\n")
    assert len(parts) > 3 and all(len(p) <= 75 for p in parts)
    assert all(p.startswith(b" ") for p in parts[1:])
    assert b"".join([parts[0], *(p[1:] for p in parts[1:])]).decode("utf-8") == line


def test_rfc5545_a_short_line_is_left_whole_and_text_is_escaped():
    assert fold("VERSION:2.0") == "VERSION:2.0"
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_rfc5545_each_event_is_an_all_day_date_with_its_uid_and_reads_back_as_written():
    event = AllDayEvent(uid="c1.assessment.1.1@incubase", day=date(2026, 12, 31),
                        summary="遵义市基地：第1认定期第1次绩效考核",
                        description="受理编号：520000-2026-0001\n事项：考核, 复核; 备案",
                        url="http://127.0.0.1:8000/cases/c1")
    data = calendar([event], name="期限", stamp=STAMP).encode("utf-8")
    [read] = events(data)
    assert read["UID"] == "c1.assessment.1.1@incubase"
    assert (read["DTSTART;VALUE=DATE"], read["DTEND;VALUE=DATE"]) == ("20261231", "20270101")  # DTEND: the day after
    assert read["DTSTAMP"] == "20261122T020000Z"
    assert read["SUMMARY"] == event.summary and read["DESCRIPTION"] == event.description
    assert read["URL"] == "http://127.0.0.1:8000/cases/c1"
    assert data.count(b"\r\n") == data.count(b"\n")
