"""The figures departments publish for a jurisdiction and year, counted over projections of the record.

Each case counts as it stood on the year's last day (or today, for the current year), so the figures
for a past year do not drift as cases move on; events of the year give the flows. Issue 16: the
counting is SQL over two projections of the events (statemachines.figures: the case as of each day
its record names, and what each event adds to its year), kept in each act's own transaction and held
against the replay by `audit verify`; `services.stats_replay` counts the same by replaying every case,
the reference the tests hold these to. The dashboard links each figure to the cases it counts
(`counted_cases`) and charts the flows of every year it offers (`flows_by_year`).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.runtime import Runtime
from statemachines.lifecycle import IN_FORCE


@dataclass
class Statistics:
    jurisdiction: str
    year: int
    as_of: date
    cases: int = 0
    recognized: int = 0  # in force at the end of the year
    newly_recognized: int = 0
    extended: int = 0
    assessed: int = 0
    assessment_results: Counter[str] = field(default_factory=Counter)  # grade → count
    in_rectification: int = 0
    in_public_notice: int = 0  # approved, their public notice (公示, R22) running at the end of the year
    suspended: int = 0
    revoked: int = 0
    revoked_by_ground: Counter[str] = field(default_factory=Counter)
    bans_in_force: int = 0
    overdue_reports: int = 0
    by_level: Counter[str] = field(default_factory=Counter)  # in force at the end of the year, per level

    def as_dict(self) -> dict[str, Any]:
        return {k: (dict(v) if isinstance(v, Counter) else v.isoformat() if isinstance(v, date) else v)
                for k, v in self.__dict__.items()}


def statistics(rt: Runtime, jurisdiction: str, year: int, today: date) -> Statistics:
    as_of = min(date(year, 12, 31), today)
    stats = Statistics(jurisdiction, year, as_of)
    with rt.reads() as uow:
        standing = uow.figures.as_of_counts(jurisdiction, as_of)
        tallies = uow.figures.tally_counts(jurisdiction, year, as_of)
    for level, state, n, banned in standing:
        stats.cases += n
        if state in IN_FORCE:
            stats.recognized += n
            stats.by_level[level] += n
        stats.in_rectification += n * (state == "rectifying")
        stats.in_public_notice += n * (state == "publicized")
        stats.suspended += n * (state == "suspended")
        stats.bans_in_force += banned
    for figure, grade, ground, n in tallies:
        if figure is not None:
            setattr(stats, figure, getattr(stats, figure) + n)
        if grade is not None:
            stats.assessment_results[grade] += n
        if ground is not None:
            stats.revoked_by_ground[ground] += n
    return stats


# the figures a page may list the cases of (issue 15: every figure on the dashboard links to them)
LISTED_FIGURES = ("recognized", "newly_recognized", "revoked", "overdue_reports")


def counted_cases(rt: Runtime, jurisdiction: str, year: int, today: date, figure: str) -> list[str]:
    """The ids of the cases `statistics` counts in `figure` for this jurisdiction and year. A case
    adds at most one to each of these figures, but for a case flagged overdue for two reports in one
    year (a sweep catching up): it is listed once, the figure counts the reports."""
    if figure not in LISTED_FIGURES:
        raise ValueError(f"{figure!r} is not a figure cases are listed by")
    with rt.reads() as uow:
        return uow.figures.counted(jurisdiction, year, min(date(year, 12, 31), today), figure)


def flows_by_year(rt: Runtime, jurisdiction: str, years: Iterable[int]) -> dict[int, Counter[str]]:
    """Year → the flows of that year (newly_recognized, extended, revoked, …) as `statistics` counts
    them, in one statement for every year."""
    wanted = sorted(set(years), reverse=True)
    flows: dict[int, Counter[str]] = {y: Counter() for y in wanted}
    with rt.reads() as uow:
        for year, figure, n in uow.figures.flows(jurisdiction, wanted):
            flows[year][figure] += n
    return flows


def state_level_grid(rt: Runtime, jurisdiction: str, scopes: tuple[str, ...] | None) -> Counter[tuple[str, str]]:
    """(state, level) → the cases in it now, of the jurisdiction within the scopes (the dashboard's grid)."""
    with rt.reads() as uow:
        return Counter({(state, level): n for state, level, n in uow.figures.grid(jurisdiction, scopes)})
