"""Generate calendars/cn/festivals.toml: the Gregorian dates of the lunar festivals and 清明.

Run:  .venv/bin/python scripts/gen_festivals.py [--check]

The work calendar needs these dates only for years whose official State Council notice is not
loaded yet, where it falls back to the statutory holidays of 全国年节及纪念日放假办法.

Sources:
- lunar dates from `lunardate` (its table ends with lunar year 2099);
- 清明 from `chinese_calendar.get_solar_terms`;
- lunar year 2100, which `lunardate` lacks, from new moons (Meeus, Astronomical Algorithms,
  ch. 49) and the 中气 dates of `chinese_calendar`, by the rules of GB/T 33661-2017. The same
  computation is checked against `lunardate` for every other year before anything is written,
  so a disagreement stops the script instead of reaching the data.
"""
from __future__ import annotations

import argparse
import math
import sys
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
from lunardate import LunarDate

FIRST_YEAR, LAST_YEAR = 2024, 2100
LUNARDATE_LAST_YEAR = 2099
OUTPUT = Path(__file__).resolve().parents[1] / "calendars" / "cn" / "festivals.toml"
# The twelve principal terms (中气); a lunar month without one is the leap month (GB/T 33661).
PRINCIPAL_TERMS = {"雨水", "春分", "谷雨", "小满", "夏至", "大暑", "处暑", "秋分", "霜降", "小雪", "冬至", "大寒"}

_NEW_MOON_TERMS = (
    (-0.40720, 0, 0, 1, 0), (0.17241, 1, 1, 0, 0), (0.01608, 0, 0, 2, 0), (0.01039, 0, 0, 0, 2),
    (0.00739, 1, -1, 1, 0), (-0.00514, 1, 1, 1, 0), (0.00208, 2, 2, 0, 0), (-0.00111, 0, 0, 1, -2),
    (-0.00057, 0, 0, 1, 2), (0.00056, 1, 1, 2, 0), (-0.00042, 0, 0, 3, 0), (0.00042, 1, 1, 0, 2),
    (0.00038, 1, 1, 0, -2), (-0.00024, 1, -1, 2, 0), (-0.00007, 0, 2, 1, 0), (0.00004, 0, 0, 2, -2),
    (0.00004, 0, 3, 0, 0), (0.00003, 0, 1, 1, -2), (0.00003, 0, 0, 2, 2), (-0.00003, 0, 1, 1, 2),
    (0.00003, 0, -1, 1, 2), (-0.00002, 0, -1, 1, -2), (-0.00002, 0, 1, 3, 0), (0.00002, 0, 0, 4, 0),
)  # (coefficient, power of E, multiples of M, M', F)
_PLANETARY = (
    (299.77, 0.107408, 0.000325), (251.88, 0.016321, 0.000165), (251.83, 26.651886, 0.000164),
    (349.42, 36.412478, 0.000126), (84.66, 18.206239, 0.000110), (141.74, 53.303771, 0.000062),
    (207.14, 2.453732, 0.000060), (154.84, 7.306860, 0.000056), (34.52, 27.261239, 0.000047),
    (207.19, 0.121824, 0.000042), (291.34, 1.844379, 0.000040), (161.72, 24.198154, 0.000037),
    (239.56, 25.513099, 0.000035), (331.55, 3.592518, 0.000023),
)


def _new_moon_jde(k: int) -> float:
    """Meeus 49.1: the k-th new moon after 2000-01-06, in Julian ephemeris days."""
    t = k / 1236.85
    jde = 2451550.09766 + 29.530588861 * k
    jde += 0.00015437 * t**2 - 0.000000150 * t**3 + 0.00000000073 * t**4
    e = 1 - 0.002516 * t - 0.0000074 * t**2
    m = math.radians(2.5534 + 29.10535670 * k - 0.0000014 * t**2 - 0.00000011 * t**3)
    mp = math.radians(201.5643 + 385.81693528 * k + 0.0107582 * t**2 + 0.00001238 * t**3 - 0.000000058 * t**4)
    f = math.radians(160.7108 + 390.67050284 * k - 0.0016118 * t**2 - 0.00000227 * t**3 + 0.000000011 * t**4)
    omega = math.radians(124.7746 - 1.56375588 * k + 0.0020672 * t**2 + 0.00000215 * t**3)
    jde += sum(c * e**pe * math.sin(a * m + b * mp + g * f) for c, pe, a, b, g in _NEW_MOON_TERMS)
    jde += -0.00017 * math.sin(omega)
    a1_quadratic = -0.009173 * t**2
    for i, (base, rate, coeff) in enumerate(_PLANETARY):
        jde += coeff * math.sin(math.radians(base + rate * k + (a1_quadratic if i == 0 else 0)))
    return jde


def _beijing_date(jde: float) -> date:
    year = 2000 + (jde - 2451545.0) / 365.25
    # seconds; NASA 2005-2050 fit, a minute off by 2100 at worst
    delta_t = 62.92 + 0.32217 * (year - 2000) + 0.005589 * (year - 2000) ** 2
    jd_beijing = jde - delta_t / 86400 + 8 / 24
    return date(2000, 1, 1) + timedelta(days=math.floor(jd_beijing + 0.5) - 2451545)


def _new_moons(start: date, end: date) -> list[date]:
    k = math.floor((start.year - 2000) * 12.3685) - 2
    days = []
    while True:
        d = _beijing_date(_new_moon_jde(k))
        if d > end:
            return days
        if d >= start:
            days.append(d)
        k += 1


def _winter_solstice(year: int) -> date:
    return _term(date(year, 12, 1), date(year, 12, 31), "冬至")


def _term(first: date, last: date, wanted: str) -> date:
    return next(d for d, name in chinese_calendar.get_solar_terms(first, last) if name == wanted)


def lunar_months_astronomical(lunar_year: int) -> dict[int, date]:
    """First days of the non-leap months 1..10 of a lunar year, computed from the sky."""
    ws_before, ws_after = _winter_solstice(lunar_year - 1), _winter_solstice(lunar_year)
    moons = _new_moons(ws_before - timedelta(days=31), ws_after + timedelta(days=31))
    month11 = max(i for i, d in enumerate(moons) if d <= ws_before)
    next11 = max(i for i, d in enumerate(moons) if d <= ws_after)
    terms = chinese_calendar.get_solar_terms(moons[0], moons[-1])
    principal = {d for d, name in terms if name in PRINCIPAL_TERMS}
    leap_pending = next11 - month11 == 13
    number, starts = 11, {}
    for i in range(month11 + 1, next11):
        has_principal = any(moons[i] <= d < moons[i + 1] for d in principal)
        if leap_pending and not has_principal:
            leap_pending = False  # only the first month without a principal term is leap
            continue
        number = number % 12 + 1
        if number <= 10:
            starts.setdefault(number, moons[i])
    return starts


def festivals(year: int) -> dict[str, date]:
    if year <= LUNARDATE_LAST_YEAR:
        spring = LunarDate(year, 1, 1).to_solar_date()
        dragon = LunarDate(year, 5, 5).to_solar_date()
        autumn = LunarDate(year, 8, 15).to_solar_date()
    else:
        months = lunar_months_astronomical(year)
        spring, dragon, autumn = months[1], months[5] + timedelta(days=4), months[8] + timedelta(days=14)
    qingming = _term(date(year, 4, 1), date(year, 4, 30), "清明")
    return {
        "new_years_eve": spring - timedelta(days=1),  # the last day of the lunar year, 29th or 30th
        "spring_festival": spring,
        "qingming": qingming,
        "dragon_boat": dragon,
        "mid_autumn": autumn,
    }


def cross_check() -> None:
    for year in range(FIRST_YEAR, LUNARDATE_LAST_YEAR + 1):
        months = lunar_months_astronomical(year)
        for month in (1, 5, 8):
            expected = LunarDate(year, month, 1).to_solar_date()
            if months[month] != expected:
                sys.exit(f"lunar {year} month {month}: new moons say {months[month]}, lunardate {expected}")


def render() -> str:
    lines = [
        "# GENERATED by scripts/gen_festivals.py - do not edit; rerun the script instead.",
        "# Gregorian dates of 除夕, 春节 (正月初一), 清明, 端午 (五月初五) and 中秋 (八月十五), China (UTC+8).",
        f"# Lunar dates {FIRST_YEAR}-{LUNARDATE_LAST_YEAR}: lunardate; {LAST_YEAR} (past lunardate's table): new moons",
        "# (Meeus ch. 49) with chinese_calendar's principal terms, checked against lunardate for every",
        f"# year {FIRST_YEAR}-{LUNARDATE_LAST_YEAR}. 清明: chinese_calendar.get_solar_terms.",
        "# Used only for years without an official notice in notices/: such dates are provisional.",
        "",
        "[years]",
    ]
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        fields = ", ".join(f'{k} = "{v.isoformat()}"' for k, v in festivals(year).items())
        lines.append(f"{year} = {{ {fields} }}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file differs instead of writing it")
    args = parser.parse_args()
    cross_check()
    text = render()
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUTPUT} is out of date: run scripts/gen_festivals.py")
        return
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
