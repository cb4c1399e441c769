"""The official working-day calendar of the PRC (R16).

Each year's rest days are fixed by a State Council General Office notice (国务院办公厅关于某年部分
节假日安排的通知), published in the preceding autumn, which also moves working days onto
weekends (调休). Where that notice is loaded, it is the calendar. Where it is not, the calendar
falls back to weekends plus the statutory holidays of 全国年节及纪念日放假办法 (2024 revision) and
marks every day of that year provisional, because the real notice will shift days around.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

from statemachines.errors import DomainError


class CalendarUnavailable(DomainError, LookupError):
    """Neither an official notice nor festival dates are loaded for the year asked about: a date
    there cannot be computed, so the act or question is refused rather than guessed (R16)."""

    code = "calendar-unavailable"
    rule = "R16"

    def __init__(self, year: int) -> None:
        super().__init__(f"no work calendar for {year}: neither its official notice nor its festival dates "
                         "are loaded", year=year)
        self.year = year


@dataclass(frozen=True)
class YearNotice:
    """One year's official holiday notice: its rest days and its 调休 make-up working days."""

    year: int
    source: str
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    holiday_names: Mapping[date, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        outside = sorted(d for d in self.holidays | self.makeup_workdays if d.year != self.year)
        if outside:
            raise ValueError(f"notice for {self.year} lists {outside[0].isoformat()}, outside that year")
        both = sorted(self.holidays & self.makeup_workdays)
        if both:
            raise ValueError(f"notice for {self.year}: {both[0].isoformat()} is both a holiday and a working day")


@dataclass(frozen=True)
class FestivalDates:
    """Gregorian dates of the festivals the statutory fallback needs, for one year."""

    year: int
    new_years_eve: date  # 农历除夕
    spring_festival: date  # 正月初一
    qingming: date
    dragon_boat: date  # 五月初五
    mid_autumn: date  # 八月十五

    def __post_init__(self) -> None:
        for name in ("new_years_eve", "spring_festival", "qingming", "dragon_boat", "mid_autumn"):
            if getattr(self, name).year != self.year:
                raise ValueError(f"festival dates for {self.year}: {name} is in another year")
        if self.new_years_eve + timedelta(days=1) != self.spring_festival:
            raise ValueError(f"festival dates for {self.year}: 除夕 must be the day before 春节")


@dataclass(frozen=True)
class DayInfo:
    working: bool
    provisional: bool
    reason: str  # why the day is what it is, e.g. "国庆节", "周末", "调休上班", "工作日"


def statutory_holidays(f: FestivalDates) -> dict[date, str]:
    """The rest days of 全国年节及纪念日放假办法 art. 2 as in force from 2025-01-01, unmoved."""
    spring = {f.new_years_eve + timedelta(days=i): "春节" for i in range(4)}  # 除夕, 初一 to 初三
    return {
        date(f.year, 1, 1): "元旦",
        **spring,
        f.qingming: "清明节",
        date(f.year, 5, 1): "劳动节",
        date(f.year, 5, 2): "劳动节",
        f.dragon_boat: "端午节",
        f.mid_autumn: "中秋节",
        date(f.year, 10, 1): "国庆节",
        date(f.year, 10, 2): "国庆节",
        date(f.year, 10, 3): "国庆节",
    }


class WorkCalendar:
    def __init__(self, notices: Iterable[YearNotice], festivals: Iterable[FestivalDates] = ()) -> None:
        self._notices = _by_year(notices, "notice")
        self._statutory = {y: statutory_holidays(f) for y, f in _by_year(festivals, "festival dates").items()}
        # answers of pure date arithmetic on this calendar (statemachines.periods): a calendar never
        # changes once built (a newly loaded one is a new calendar), and verifying a million cases asks
        # the same few hundred deadlines again and again (issue 16)
        self.memo: dict[Any, Any] = {}

    @property
    def loaded_years(self) -> frozenset[int]:
        """Years whose official notice is loaded: their days are not provisional."""
        return frozenset(self._notices)

    def day(self, d: date) -> DayInfo:
        notice = self._notices.get(d.year)
        weekend = d.weekday() >= 5
        if notice is not None:
            if d in notice.makeup_workdays:
                return DayInfo(True, False, "调休上班")
            if d in notice.holidays:
                return DayInfo(False, False, notice.holiday_names.get(d, "节假日"))
            return DayInfo(not weekend, False, "周末" if weekend else "工作日")
        statutory = self._statutory.get(d.year)
        if statutory is None:
            raise CalendarUnavailable(d.year)
        if d in statutory:
            return DayInfo(False, True, statutory[d])
        return DayInfo(not weekend, True, "周末" if weekend else "工作日")

    def is_working_day(self, d: date) -> bool:
        return self.day(d).working

    def is_provisional(self, d: date) -> bool:
        return self.day(d).provisional


class _OfYear(Protocol):
    @property
    def year(self) -> int: ...


_Y = TypeVar("_Y", bound=_OfYear)


def _by_year(items: Iterable[_Y], what: str) -> dict[int, _Y]:
    result: dict[int, _Y] = {}
    for item in items:
        if item.year in result:
            raise ValueError(f"two sets of {what} for {item.year}")
        result[item.year] = item
    return result
