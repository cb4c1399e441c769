"""R15 (Civil Code arts. 200-204 periods) and R16 (official working-day calendar)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config import PROJECT_ROOT
from services.calendars import load_work_calendar
from statemachines.periods import (
    CalendarDate,
    Duration,
    InvalidDuration,
    add_working_days,
    deadline,
    move_off_rest_days,
    period_end,
)

CALENDAR = load_work_calendar(PROJECT_ROOT / "calendars" / "cn")
# Far enough from 2100 (the last year with festival data) that a start plus the longest duration
# drawn below (5y + 18m + 400d, under 8 years) and any move off rest days stays inside it.
calendar_days = st.dates(min_value=date(2024, 1, 1), max_value=date(2090, 12, 31))
durations = (
    st.tuples(st.integers(0, 5), st.integers(0, 18), st.integers(0, 400)).filter(any).map(lambda t: Duration(*t))
)


# --- Duration ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [("3y", Duration(years=3)), ("6m", Duration(months=6)), ("15d", Duration(days=15)),
     ("1y6m", Duration(1, 6)), ("2y3m10d", Duration(2, 3, 10))],
)
def test_r15_duration_parses_units(text: str, expected: Duration) -> None:
    assert Duration.parse(text) == expected
    assert str(expected) == text


@pytest.mark.parametrize("text", ["", "3x", "3", "y", "0d", "03y", "6m1y", "3y 6m", "-3y", "1.5y", "3Y"])
def test_r15_malformed_duration_is_rejected_naming_the_text(text: str) -> None:
    with pytest.raises(InvalidDuration, match=repr(text)) as info:
        Duration.parse(text)
    assert "\n" not in str(info.value)


@given(durations)
def test_r15_duration_str_round_trips(duration: Duration) -> None:
    assert Duration.parse(str(duration)) == duration


# --- period_end (validity periods and bans: never moved) ---------------------------------------

def test_r15_ban_from_leap_day_ends_on_feb_28() -> None:
    assert period_end(date(2024, 2, 29), Duration(years=3)) == date(2027, 2, 28)


def test_r15_month_without_corresponding_day_ends_on_its_last_day() -> None:
    assert period_end(date(2025, 1, 31), Duration(months=1)) == date(2025, 2, 28)
    assert period_end(date(2024, 1, 31), Duration(months=1)) == date(2024, 2, 29)


def test_r15_start_day_is_not_counted_for_days() -> None:
    assert period_end(date(2025, 3, 1), Duration(days=15)) == date(2025, 3, 16)


def test_r15_ban_ending_on_a_holiday_is_not_moved() -> None:
    assert period_end(date(2024, 10, 1), Duration(years=1)) == date(2025, 10, 1)


@given(st.dates(max_value=date(9000, 12, 31)), st.dates(max_value=date(9000, 12, 31)), durations)
def test_r15_period_end_is_monotone_in_start(a: date, b: date, duration: Duration) -> None:
    early, late = min(a, b), max(a, b)
    assert period_end(early, duration) <= period_end(late, duration)


@given(st.dates(max_value=date(9000, 12, 31)), st.integers(1, 50))
def test_r15_years_end_in_the_corresponding_month(start: date, years: int) -> None:
    end = period_end(start, Duration(years=years))
    assert (end.year, end.month) == (start.year + years, start.month)
    assert end > start
    assert end.day == start.day or (start.month, start.day, end.day) == (2, 29, 28)


# --- deadline (acts: moved off rest days, art. 203) --------------------------------------------

def test_r15_deadline_on_national_day_moves_past_the_whole_break() -> None:
    # 2025-10-01..08 are 国庆节、中秋节 holidays under 国办发明电〔2024〕12号
    assert deadline(date(2024, 10, 1), Duration(years=1), CALENDAR) == CalendarDate(date(2025, 10, 9), False)


def test_r15_deadline_on_a_makeup_saturday_is_not_moved() -> None:
    # 2026-02-28 and 2025-10-11 are Saturdays worked under 调休
    assert deadline(date(2026, 1, 28), Duration(months=1), CALENDAR) == CalendarDate(date(2026, 2, 28), False)
    assert move_off_rest_days(date(2025, 10, 11), CALENDAR) == CalendarDate(date(2025, 10, 11), False)


def test_r15_deadline_on_an_ordinary_weekend_moves_to_monday() -> None:
    assert move_off_rest_days(date(2025, 3, 29), CALENDAR) == CalendarDate(date(2025, 3, 31), False)


def test_r16_deadline_in_an_unloaded_year_is_provisional() -> None:
    # 2027-03-31 is a Wednesday, but 2027's notice is not loaded, so the answer says so
    assert move_off_rest_days(date(2027, 3, 31), CALENDAR) == CalendarDate(date(2027, 3, 31), True)
    assert deadline(date(2024, 2, 29), Duration(years=3), CALENDAR) == CalendarDate(date(2027, 3, 1), True)


@given(calendar_days, durations)
def test_r15_deadline_is_the_first_working_day_on_or_after_period_end(start: date, duration: Duration) -> None:
    end = period_end(start, duration)
    result = deadline(start, duration, CALENDAR)
    assert result.date >= end
    assert CALENDAR.is_working_day(result.date)
    assert not any(CALENDAR.is_working_day(end + timedelta(days=i)) for i in range((result.date - end).days))
    assert result.provisional == any(
        CALENDAR.is_provisional(end + timedelta(days=i)) for i in range((result.date - end).days + 1)
    )


# --- add_working_days (R16) --------------------------------------------------------------------

def test_r16_working_days_skip_spring_festival_and_count_makeup_days() -> None:
    # 2026: Sat 02-14 worked, 02-15..23 off, Sat 02-28 worked
    assert add_working_days(date(2026, 2, 13), 1, CALENDAR) == CalendarDate(date(2026, 2, 14), False)
    assert add_working_days(date(2026, 2, 13), 2, CALENDAR) == CalendarDate(date(2026, 2, 24), False)
    assert add_working_days(date(2026, 2, 24), 4, CALENDAR) == CalendarDate(date(2026, 2, 28), False)


def test_r16_working_days_into_an_unloaded_year_are_provisional() -> None:
    assert add_working_days(date(2026, 12, 31), 1, CALENDAR) == CalendarDate(date(2027, 1, 4), True)


@pytest.mark.parametrize("n", [0, -1])
def test_r16_working_day_count_must_be_positive(n: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        add_working_days(date(2025, 1, 1), n, CALENDAR)


@given(calendar_days, st.integers(1, 60))
def test_r16_add_working_days_lands_on_the_nth_working_day(start: date, n: int) -> None:
    result = add_working_days(start, n, CALENDAR).date
    assert CALENDAR.is_working_day(result)
    between = [start + timedelta(days=i) for i in range(1, (result - start).days + 1)]
    assert sum(CALENDAR.is_working_day(d) for d in between) == n


def test_issue15_a_duration_in_the_words_a_department_writes():
    """issue 15: a system act's reason says 3个月, not 3m."""
    assert [Duration.parse(text).words() for text in ("3m", "1y6m", "15d", "20wd", "5y")] == [
        "3个月", "1年6个月", "15日", "20个工作日", "5年"]
