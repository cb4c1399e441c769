"""Reads an iCalendar file back as RFC 5545 says a reader must (for the tests of the calendar export):
every line ends in CRLF and has at most 75 octets, a line starting with a space continues the one
before; then each VEVENT as its properties, TEXT values unescaped."""
from __future__ import annotations

import re

_ESCAPE = re.compile(r"\\([\\;,nN])")


def physical_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n"), "the last line ends in CRLF"
    lines = data.split(b"\r\n")[:-1]
    assert not any(b"\n" in line or b"\r" in line for line in lines), "no bare LF or CR: every line ends in CRLF"
    too_long = [line for line in lines if len(line) > 75]
    assert not too_long, f"lines over 75 octets: {too_long[:2]}"
    for line in lines:
        line.decode("utf-8")  # a fold never splits a UTF-8 character
    return lines


def unfolded(data: bytes) -> list[str]:
    out: list[str] = []
    for line in physical_lines(data):
        text = line.decode("utf-8")
        if text.startswith((" ", "\t")):
            out[-1] += text[1:]
        else:
            out.append(text)
    return out


def unescape(value: str) -> str:
    return _ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def events(data: bytes) -> list[dict[str, str]]:
    """Each VEVENT's properties: NAME (with ;PARAMS kept in the name) to value, TEXT unescaped."""
    lines = unfolded(data)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    found: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            found.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = unescape(value)
    return found
