"""A small iCalendar (RFC 5545) writer: a VCALENDAR of all-day VEVENTs, which is all the deadlines
calendar needs (no library for it is in the lock file).

What the RFC asks and importers rely on: CRLF after every line (3.1), lines folded at 75 octets with
the continuation starting with one space, never inside a UTF-8 character (3.1), TEXT values with
backslash, semicolon, comma and newline escaped (3.3.11), DTSTAMP in UTC (3.8.7.2), an all-day event
as DTSTART;VALUE=DATE with DTEND the day after (3.6.1), and a UID that stays the same for the same
thing, so that importing again updates the event instead of adding a second one (3.8.4.7).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

CRLF = "\r\n"
LINE_OCTETS = 75


@dataclass(frozen=True)
class AllDayEvent:
    uid: str
    day: date
    summary: str
    description: str = ""
    url: str | None = None
    categories: tuple[str, ...] = ()


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash first, so the escapes added are not escaped again."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """One content line folded into lines of at most 75 octets each, CRLF and a space before each
    continuation (the space counts in the continuation's 75), a UTF-8 character never split."""
    out: list[str] = []
    current, size, limit = "", 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            out.append(current)
            current, size, limit = "", 0, LINE_OCTETS - 1
        current += char
        size += octets
    out.append(current)
    return (CRLF + " ").join(out)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _day(value: date) -> str:
    return value.strftime("%Y%m%d")


def calendar(events: Iterable[AllDayEvent], *, name: str, stamp: datetime,
             product: str = "-//incubase//deadlines//ZH") -> str:
    """The whole VCALENDAR, every line folded and ended by CRLF. `stamp`: when it was made (DTSTAMP)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{product}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{escape_text(name)}", "X-WR-TIMEZONE:Asia/Shanghai"]
    for e in events:
        lines += ["BEGIN:VEVENT", f"UID:{e.uid}", f"DTSTAMP:{_stamp(stamp)}",
                  f"DTSTART;VALUE=DATE:{_day(e.day)}", f"DTEND;VALUE=DATE:{_day(e.day + timedelta(days=1))}",
                  f"SUMMARY:{escape_text(e.summary)}", "TRANSP:TRANSPARENT"]
        if e.description:
            lines.append(f"DESCRIPTION:{escape_text(e.description)}")
        if e.url:
            lines.append(f"URL:{e.url}")
        if e.categories:
            lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in e.categories))
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
