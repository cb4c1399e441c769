"""Loads the reviewed calendar data (calendars/cn) into a WorkCalendar.

The files are checked strictly because a silently dropped holiday moves real deadlines: every
error names the file and the field so the reviewer of a data change can fix it directly.
"""
from __future__ import annotations

import tomllib
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from config import get_settings
from statemachines.workcalendar import FestivalDates, WorkCalendar, YearNotice

_NOTICE_FIELDS = {"year", "source", "published", "url", "holidays", "makeup_workdays"}
_FESTIVAL_FIELDS = ("new_years_eve", "spring_festival", "qingming", "dragon_boat", "mid_autumn")


class CalendarDataError(ValueError):
    """A calendar data file is malformed; the message names the file and the field."""


def load_work_calendar(directory: Path) -> WorkCalendar:
    notices = [_load_notice(p) for p in sorted((directory / "notices").glob("*.toml"))]
    festivals_file = directory / "festivals.toml"
    festivals = _load_festivals(festivals_file) if festivals_file.exists() else []
    return WorkCalendar(notices, festivals)


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    return load_work_calendar(get_settings().calendars_dir)


class _File:
    """Reads one TOML file and words every complaint about it the same way."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise self.error("", f"not valid TOML: {exc}") from exc

    def error(self, where: str, problem: str) -> CalendarDataError:
        try:
            shown = self.path.resolve().relative_to(Path.cwd())
        except ValueError:
            shown = self.path
        return CalendarDataError(f"{shown}: {where}: {problem}" if where else f"{shown}: {problem}")

    def get(self, table: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
        if key not in table:
            raise self.error(where, "missing")
        value = table[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            wanted = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise self.error(where, f"{value!r} is not a {wanted}")
        return value

    def day(self, value: Any, where: str) -> date:
        # TOML has a native date type; strings are accepted too because the files quote them
        if isinstance(value, date) and type(value) is date:
            return value
        if isinstance(value, str) and len(value) == 10:
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.error(where, f"{value!r} is not a date")

    def dates(self, values: list[Any], where: str, year: int) -> list[date]:
        days = [self.day(v, f"{where}[{i}]") for i, v in enumerate(values)]
        for i, d in enumerate(days):
            if d.year != year:
                raise self.error(f"{where}[{i}]", f"{d.isoformat()} is not in {year}, the notice's year")
        return days


def _load_notice(path: Path) -> YearNotice:
    f = _File(path)
    unknown = sorted(set(f.data) - _NOTICE_FIELDS)
    if unknown:
        raise f.error(unknown[0], "unknown field")
    year = f.get(f.data, "year", int, "year")
    if path.stem.isdigit() and int(path.stem) != year:
        raise f.error("year", f"{year} does not match the file name")
    source = f.get(f.data, "source", str, "source")
    f.day(f.get(f.data, "published", (str, date), "published"), "published")
    names: dict[date, str] = {}
    for i, entry in enumerate(f.get(f.data, "holidays", list, "holidays")):
        where = f"holidays[{i}]"
        if not isinstance(entry, dict):
            raise f.error(where, "is not a table")
        for key in sorted(set(entry) - {"name", "days"}):
            raise f.error(f"{where}.{key}", "unknown field (top-level fields go before the first [[holidays]])")
        name = f.get(entry, "name", str, f"{where}.name")
        for j, d in enumerate(f.dates(f.get(entry, "days", list, f"{where}.days"), f"{where}.days", year)):
            if d in names:
                raise f.error(f"{where}.days[{j}]", f"{d.isoformat()} is already a holiday ({names[d]})")
            names[d] = name
    makeup = f.dates(f.get(f.data, "makeup_workdays", list, "makeup_workdays"), "makeup_workdays", year)
    for i, d in enumerate(makeup):
        if d in names:
            raise f.error(f"makeup_workdays[{i}]", f"{d.isoformat()} is also a holiday ({names[d]})")
        if d.weekday() < 5:
            raise f.error(f"makeup_workdays[{i}]", f"{d.isoformat()} is a weekday; 调休 moves work onto weekends")
    return YearNotice(year, source, frozenset(names), frozenset(makeup), MappingProxyType(names))


def _load_festivals(path: Path) -> list[FestivalDates]:
    f = _File(path)
    years = f.get(f.data, "years", dict, "years")
    result = []
    for key, entry in years.items():
        where = f"years.{key}"
        if not key.isdigit():
            raise f.error(where, "is not a year")
        if not isinstance(entry, dict):
            raise f.error(where, "is not a table")
        values = {
            name: f.day(f.get(entry, name, (str, date), f"{where}.{name}"), f"{where}.{name}")
            for name in _FESTIVAL_FIELDS
        }
        try:
            result.append(FestivalDates(int(key), **values))
        except ValueError as exc:
            raise f.error(where, str(exc)) from exc
    return result
