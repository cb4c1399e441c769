"""R16: the official working-day calendar, its reviewed data, and the provisional fallback."""
from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from lunardate import LunarDate

from config import PROJECT_ROOT
from services.calendars import CalendarDataError, load_work_calendar
from statemachines.workcalendar import CalendarUnavailable, FestivalDates, WorkCalendar, YearNotice

DATA = PROJECT_ROOT / "calendars" / "cn"
CALENDAR = load_work_calendar(DATA)


def _days(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


# --- the loaded notices --------------------------------------------------------------------------

@pytest.mark.parametrize("year", [2020, 2021, 2022, 2023, 2024, 2025, 2026])
def test_r16_notice_agrees_with_chinese_calendar_on_every_day(year: int) -> None:
    wrong = [d for d in _days(year) if CALENDAR.is_working_day(d) != chinese_calendar.is_workday(d)]
    assert wrong == []
    assert not any(CALENDAR.is_provisional(d) for d in _days(year))


def test_r16_loaded_years_are_the_notices() -> None:
    assert CALENDAR.loaded_years == {2020, 2021, 2022, 2023, 2024, 2025, 2026}


def test_r16_day_says_why() -> None:
    assert CALENDAR.day(date(2026, 10, 1)).reason == "国庆节"
    assert CALENDAR.day(date(2026, 2, 28)).reason == "调休上班"
    assert CALENDAR.day(date(2026, 3, 7)).reason == "周末"
    assert CALENDAR.day(date(2026, 3, 9)).reason == "工作日"


# --- festivals.toml --------------------------------------------------------------------------------

def _festivals() -> dict[str, dict[str, str]]:
    return tomllib.loads((DATA / "festivals.toml").read_text(encoding="utf-8"))["years"]


def test_r16_festivals_cover_every_year_2024_to_2100() -> None:
    assert sorted(int(y) for y in _festivals()) == list(range(2024, 2101))


@pytest.mark.parametrize("year", [2024, 2025, 2030, 2047, 2061, 2077, 2099])
def test_r16_festivals_agree_with_lunardate(year: int) -> None:
    entry = {k: date.fromisoformat(v) for k, v in _festivals()[str(year)].items()}
    assert entry["spring_festival"] == LunarDate(year, 1, 1).to_solar_date()
    assert entry["new_years_eve"] == entry["spring_festival"] - timedelta(days=1)
    assert entry["dragon_boat"] == LunarDate(year, 5, 5).to_solar_date()
    assert entry["mid_autumn"] == LunarDate(year, 8, 15).to_solar_date()
    assert entry["qingming"].month == 4 and 4 <= entry["qingming"].day <= 6


def test_r16_festivals_2100_follow_on_from_lunardates_last_year() -> None:
    # lunardate ends with lunar 2099; its last day must be the eve of our 2100 spring festival
    entry = _festivals()["2100"]
    assert LunarDate.from_solar_date(2100, 2, 8) == LunarDate(2099, 12, 30)
    assert date.fromisoformat(entry["spring_festival"]) == date(2100, 2, 9)


# --- the statutory fallback for years without a notice ---------------------------------------------

def test_r16_unloaded_year_rests_on_the_statutory_days_only_and_is_provisional() -> None:
    # 2030: 除夕 02-02 (Sat), 春节 02-03..05, 清明 04-05 (Fri), 端午 06-05, 中秋 09-12 (Thu)
    rest = {d for d in _days(2030) if d.weekday() < 5 and not CALENDAR.is_working_day(d)}
    assert rest == {
        date(2030, 1, 1), date(2030, 2, 4), date(2030, 2, 5), date(2030, 4, 5), date(2030, 5, 1), date(2030, 5, 2),
        date(2030, 6, 5), date(2030, 9, 12), date(2030, 10, 1), date(2030, 10, 2), date(2030, 10, 3),
    }
    assert all(CALENDAR.day(d).provisional for d in _days(2030))
    assert CALENDAR.day(date(2030, 2, 4)).reason == "春节"
    # no 调休: a statutory day on a weekend is not made up and every weekend rests
    assert not any(CALENDAR.is_working_day(d) for d in _days(2030) if d.weekday() >= 5)


def test_r16_year_without_data_is_unavailable() -> None:
    with pytest.raises(CalendarUnavailable, match="2101"):
        CALENDAR.day(date(2101, 1, 3))
    with pytest.raises(CalendarUnavailable, match="2019"):  # before the first loaded notice
        CALENDAR.is_working_day(date(2019, 12, 27))


def test_r16_notice_beats_festivals_for_its_year() -> None:
    festivals = FestivalDates(2030, date(2030, 2, 2), date(2030, 2, 3), date(2030, 4, 5), date(2030, 6, 5),
                              date(2030, 9, 12))
    notice = YearNotice(2030, "test", frozenset({date(2030, 3, 1)}), frozenset({date(2030, 3, 2)}))
    cal = WorkCalendar([notice], [festivals])
    assert not cal.is_working_day(date(2030, 3, 1)) and cal.is_working_day(date(2030, 3, 2))
    assert cal.is_working_day(date(2030, 10, 1))  # the notice says nothing: a plain Tuesday
    assert not cal.is_provisional(date(2030, 10, 1))


def test_r16_notice_dates_must_be_in_its_year() -> None:
    with pytest.raises(ValueError, match="outside"):
        YearNotice(2030, "test", frozenset({date(2031, 1, 1)}), frozenset())


# --- loader errors name the file and the field -----------------------------------------------------

GOOD_NOTICE = """year = 2026
source = "test"
published = "2025-11-04"
makeup_workdays = ["2026-02-28"]

[[holidays]]
name = "元旦"
days = ["2026-01-01"]
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / "notices").mkdir(exist_ok=True)
    path = tmp_path / "notices" / name
    path.write_text(text, encoding="utf-8")
    return path


def test_r16_loader_reads_a_minimal_notice(tmp_path: Path) -> None:
    _write(tmp_path, "2026.toml", GOOD_NOTICE)
    cal = load_work_calendar(tmp_path)
    assert cal.loaded_years == {2026}
    assert cal.day(date(2026, 1, 1)).reason == "元旦"
    assert cal.is_working_day(date(2026, 2, 28))


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        ('days = ["2026-01-01"]', 'days = ["2026-13-01"]', "holidays[0].days[0]", "'2026-13-01' is not a date"),
        ('days = ["2026-01-01"]', 'days = ["2027-01-01"]', "holidays[0].days[0]", "not in 2026"),
        ('["2026-02-28"]', '["2025-02-28"]', "makeup_workdays[0]", "not in 2026"),
        ('["2026-02-28"]', '["2026-02-27"]', "makeup_workdays[0]", "weekday"),
        ('["2026-02-28"]', '["2026-01-01"]', "makeup_workdays[0]", "also a holiday"),
        ("year = 2026", "year = 2027", "year", "file name"),
        ('source = "test"\n', "", "source", "missing"),
        ('name = "元旦"', "name = 1", "holidays[0].name", "not a str"),
        ('days = ["2026-01-01"]', 'days = ["2026-01-01"]\nmakeup_workdays = []',
         "holidays[0].makeup_workdays", "unknown"),
    ],
)
def test_r16_loader_error_names_file_and_field(tmp_path: Path, old: str, new: str, field: str, problem: str) -> None:
    assert old in GOOD_NOTICE
    _write(tmp_path, "2026.toml", GOOD_NOTICE.replace(old, new, 1))
    with pytest.raises(CalendarDataError) as info:
        load_work_calendar(tmp_path)
    message = str(info.value)
    assert "notices/2026.toml: " + field + ": " in message
    assert problem in message


def test_r16_loader_rejects_invalid_toml(tmp_path: Path) -> None:
    _write(tmp_path, "2026.toml", "year = \n")
    with pytest.raises(CalendarDataError, match=r"notices/2026\.toml: not valid TOML"):
        load_work_calendar(tmp_path)


def test_r16_loader_checks_festival_dates(tmp_path: Path) -> None:
    (tmp_path / "festivals.toml").write_text(
        '[years]\n2030 = { new_years_eve = "2030-02-02", spring_festival = "2030-02-03", qingming = "2030-04-05",'
        ' dragon_boat = "2030-06-05", mid_autumn = "2030-9-12" }\n',
        encoding="utf-8",
    )
    with pytest.raises(CalendarDataError, match=r"festivals\.toml: years\.2030\.mid_autumn: '2030-9-12' is not a date"):
        load_work_calendar(tmp_path)
