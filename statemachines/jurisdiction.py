"""Administrative division codes (GB/T 2260) and who covers what.

A code names a province (520000), a prefecture (520100) or a county (520102); a scope covers
the codes below it: 520000 covers every code starting 52, 520100 those starting 5201, and
000000 the whole country.

The divisions are data: `statemachines/data/divisions.csv`, 民政部's 县级以上行政区划代码 with each
code's name (where it comes from and how it is renewed: the README beside it). It is read once,
on first use. A division abolished since keeps its row, dated, so that a case or grant recorded
under it keeps its name, but nothing new may be recorded under it.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from statemachines.errors import DomainError

NATIONAL = "000000"
NATIONAL_NAME = "全国"
LEVELS = ("province", "prefecture", "county")  # 省级, 地级, 县级
TABLE = Path(__file__).parent / "data" / "divisions.csv"
_LIST_LINE = "# list: "


class UnknownJurisdiction(DomainError):
    code = "unknown-jurisdiction"

    def __init__(self, code: str, why: str) -> None:
        super().__init__(f"jurisdiction {code!r} {why}", jurisdiction=code)


@dataclass(frozen=True)
class Division:
    code: str
    name: str  # 宝安区
    level: str  # one of LEVELS
    abolished: date | None = None  # the day it was abolished; None: in force
    successors: tuple[str, ...] = ()  # where abolished: the codes that took over its area


@dataclass(frozen=True)
class Divisions:
    as_of: str  # YYYY-MM: the month of the official list the table reflects
    by_code: dict[str, Division]


@cache
def divisions() -> Divisions:
    """The table, read once."""
    lines = TABLE.read_text(encoding="utf-8").splitlines()
    as_of = next((line[len(_LIST_LINE):].strip() for line in lines if line.startswith(_LIST_LINE)), None)
    if as_of is None:
        raise ValueError(f"{TABLE}: no '{_LIST_LINE.strip()}' line")
    rows = csv.reader(line for line in lines if not line.startswith("#"))
    if next(rows) != ["code", "name", "level", "abolished", "successors"]:
        raise ValueError(f"{TABLE}: the columns are not code,name,level,abolished,successors")
    by_code = {code: Division(code, division, level, date.fromisoformat(abolished) if abolished else None,
                              tuple(successors.split()))
               for code, division, level, abolished, successors in rows}
    return Divisions(as_of, by_code)


def refusal(code: str, *, abolished_too: bool = False) -> str | None:
    """Why `code` cannot be a jurisdiction (None: it can): not six digits, or not a division of the
    table; or abolished, unless `abolished_too` (what was a division may still name one)."""
    if len(code) != 6 or not (code.isascii() and code.isdigit()):  # not ５２００００ either
        return "is not a six-digit GB/T 2260 code"
    if code == NATIONAL:
        return None
    table = divisions()
    division = table.by_code.get(code)
    if division is None:
        return f"is not a division in GB/T 2260 (list of {table.as_of})"
    if division.abolished is not None and not abolished_too:
        now = "、".join(f"{s} {table.by_code[s].name}" for s in division.successors)
        return (f"is not a division in GB/T 2260 (list of {table.as_of}): {division.name} was abolished "
                f"on {division.abolished}" + (f", now {now}" if now else ""))
    return None


def validate(code: str) -> str:
    """`code`, if something may be recorded under it now: the nation or a division in force."""
    if (why := refusal(code)) is not None:
        raise UnknownJurisdiction(code, why)
    return code


def division(code: str) -> Division:
    """The division of `code`, in force or abolished (the nation is none)."""
    found = divisions().by_code.get(code)
    if found is None:
        raise UnknownJurisdiction(code, refusal(code) or "is the whole country, not a division")
    return found


def name(code: str) -> str:
    """Its own name: 520000 → 贵州省, 520100 → 贵阳市, 440306 → 宝安区, 000000 → 全国."""
    return NATIONAL_NAME if code == NATIONAL else division(code).name


def full_name(code: str) -> str:
    """The name with the province's and prefecture's before it: 440306 → 广东省深圳市宝安区. A county
    of a municipality (310110 → 上海市杨浦区) or directly under its province (419001 → 河南省济源市)
    has no prefecture to name."""
    own = division(code) if code != NATIONAL else None
    if own is None or own.level == "province":
        return name(code)
    table = divisions().by_code
    above = [code[:2] + "0000"] + ([code[:4] + "00"] if own.level == "county" else [])
    return "".join(table[c].name for c in above if c in table) + own.name


def label(code: str) -> str:
    """For a page: 520000 贵州省, 440306 广东省深圳市宝安区; a code the table lacks shows alone rather
    than failing the page."""
    try:
        return f"{code} {full_name(code)}"
    except UnknownJurisdiction:
        return code


def prefix(scope: str) -> str:
    """The leading digits a scope fixes: 520000 → 52, 520100 → 5201, 000000 → ''."""
    if scope == NATIONAL:
        return ""
    trimmed = scope
    while trimmed.endswith("00") and len(trimmed) > 2:
        trimmed = trimmed[:-2]
    return trimmed


def covers(scope: str, code: str) -> bool:
    return code.startswith(prefix(scope))
