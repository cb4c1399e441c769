"""Periods and deadlines per PRC Civil Code arts. 200-204 (R15) on the official calendar (R16).

A period in years or months ends on the day of the last month corresponding to the start day, or
that month's last day where it has none (art. 202); the start day itself is not counted (art. 201).
Only a deadline for an act moves off a rest day (art. 203); validity periods and bans never do,
so callers choose between `period_end` and `deadline` by what the date is for.
"""
from __future__ import annotations

import calendar as _gregorian
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from statemachines.workcalendar import WorkCalendar

_DURATION = re.compile(r"(?:([1-9]\d*)y)?(?:([1-9]\d*)m)?(?:([1-9]\d*)d)?")
_WORKING_DAYS = re.compile(r"([1-9]\d*)wd")  # 工作日: counted on the official calendar (R16)


class InvalidDuration(ValueError):
    """The text is not a duration like 3y, 6m, 15d, 1y6m or 20wd."""


@dataclass(frozen=True)
class Duration:
    years: int = 0
    months: int = 0
    days: int = 0
    working_days: int = 0  # alone: "20个工作日" counts working days, not calendar time

    def __post_init__(self) -> None:
        if min(self.years, self.months, self.days, self.working_days) < 0:
            raise InvalidDuration(f"duration {self.years}y{self.months}m{self.days}d has a negative part")
        if self.working_days and (self.years or self.months or self.days):
            raise InvalidDuration("working days cannot be combined with years, months or days")
        if not (self.years or self.months or self.days or self.working_days):
            # a zero-length ban or deadline is a mistake upstream, not a period
            raise InvalidDuration("a duration needs at least one unit above zero")

    @classmethod
    def parse(cls, text: str) -> Duration:
        working = _WORKING_DAYS.fullmatch(text)
        if working is not None:
            return cls(working_days=int(working.group(1)))
        match = _DURATION.fullmatch(text)
        if not text or match is None:
            raise InvalidDuration(f"{text!r} is not a duration (e.g. 3y, 6m, 15d, 1y6m, 20wd)")
        years, months, days = (int(g) if g else 0 for g in match.groups())
        return cls(years, months, days)

    def __str__(self) -> str:
        units = ((self.years, "y"), (self.months, "m"), (self.days, "d"), (self.working_days, "wd"))
        return "".join(f"{n}{unit}" for n, unit in units if n)

    def words(self) -> str:
        """As a department writes it (issue 15): 3个月, 1年6个月, 20个工作日."""
        units = ((self.years, "年"), (self.months, "个月"), (self.days, "日"), (self.working_days, "个工作日"))
        return "".join(f"{n}{unit}" for n, unit in units if n)


@dataclass(frozen=True)
class CalendarDate:
    date: date
    provisional: bool  # some day consulted lies in a year whose official notice is not loaded


def period_end(start: date, duration: Duration) -> date:
    """The last day of a validity period or ban (never moved off rest days)."""
    if duration.working_days:  # refused for periods by the policy loader; a caller's mistake here
        raise InvalidDuration(f"{duration} counts working days: only a deadline (deadline()) has them")
    months = start.month - 1 + duration.months + 12 * duration.years
    year, month = start.year + months // 12, months % 12 + 1
    day = min(start.day, _gregorian.monthrange(year, month)[1])
    return date(year, month, day) + timedelta(days=duration.days)


def counted_back(day: date, duration: Duration) -> date:
    """The day `duration` before `day`, counted as period_end counts forward: years and months back
    to the corresponding day (the month's last day where there is none), then the days. So a
    period of `duration` from the result (not counted, art. 201) ends on `day` or, from a shorter
    month, just before it: 3 months before 2026-05-31 is 2026-02-28."""
    if duration.working_days:  # refused by the policy loader wherever a date is counted back from
        raise InvalidDuration(f"{duration} counts working days: a day cannot be counted back by them")
    months = day.year * 12 + day.month - 1 - duration.months - 12 * duration.years
    year, month = months // 12, months % 12 + 1
    return date(year, month, min(day.day, _gregorian.monthrange(year, month)[1])) - timedelta(days=duration.days)


def deadline(start: date, duration: Duration, calendar: WorkCalendar) -> CalendarDate:
    """The last day for an act: the period's end, moved to the next working day if it rests; for a
    period in working days, the last of them (the start day not counted, art. 201)."""
    if duration.working_days:
        return add_working_days(start, duration.working_days, calendar)
    return move_off_rest_days(period_end(start, duration), calendar)


def move_off_rest_days(day: date, calendar: WorkCalendar) -> CalendarDate:
    """A deadline fixed on a calendar date (e.g. a report due 03-31), moved per art. 203."""
    key = ("moved", day)
    found: CalendarDate | None = calendar.memo.get(key)
    if found is None:  # the same few deadlines for every case (issue 16): asked once per calendar
        found = calendar.memo[key] = _moved_off_rest_days(day, calendar)
    return found


def _moved_off_rest_days(day: date, calendar: WorkCalendar) -> CalendarDate:
    provisional = False
    for d in _days_from(day):
        info = calendar.day(d)
        provisional |= info.provisional
        if info.working:
            return CalendarDate(d, provisional)
    raise AssertionError("unreachable")  # pragma: no cover


def add_working_days(start: date, n: int, calendar: WorkCalendar) -> CalendarDate:
    """The n-th working day after start, counting 调休 make-up days and not counting start."""
    if n < 1:
        raise ValueError(f"a count of working days must be at least 1, not {n}")
    provisional = False
    for d in _days_from(start + timedelta(days=1)):
        info = calendar.day(d)
        provisional |= info.provisional
        n -= info.working
        if n == 0:
            return CalendarDate(d, provisional)
    raise AssertionError("unreachable")  # pragma: no cover


def _days_from(first: date) -> Iterator[date]:
    d = first
    while True:
        yield d
        d += timedelta(days=1)
