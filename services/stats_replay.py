"""The figures by replaying every case: the reference the projections' SQL is held to (issue 16).

This is how `services.stats` counted before the figures had projections of their own: each case of the
jurisdiction replayed as of the year's last day (or today, for the current year), its events of the
year giving the flows. It reads every history, so it serves the tests that prove the SQL counts the
same numbers ("Statistics of a past year that replaying would give are the same numbers"), not pages.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date

from services.queries import case_ids
from services.runtime import Runtime
from services.stats import LISTED_FIGURES, Statistics
from statemachines import replay
from statemachines.events import Event
from statemachines.figures import GRADED, amended_events, flow
from statemachines.lifecycle import IN_FORCE


def statistics_by_replay(rt: Runtime, jurisdiction: str, year: int, today: date, *, page: int = 500) -> Statistics:
    as_of = min(date(year, 12, 31), today)
    stats = Statistics(jurisdiction, year, as_of)
    for events in _every_record(rt, jurisdiction, page):
        _count(stats, events, rt, year, as_of)
    return stats


def counted_cases_by_replay(rt: Runtime, jurisdiction: str, year: int, today: date, figure: str) -> list[str]:
    if figure not in LISTED_FIGURES:
        raise ValueError(f"{figure!r} is not a figure cases are listed by")
    as_of = min(date(year, 12, 31), today)
    ids = []
    for events in _every_record(rt, jurisdiction):
        one = Statistics(jurisdiction, year, as_of)  # the case alone: what it adds to the figure
        _count(one, events, rt, year, as_of)
        if getattr(one, figure):
            ids.append(events[0].case_id)
    return ids


def flows_by_year_by_replay(rt: Runtime, jurisdiction: str, years: Iterable[int]) -> dict[int, Counter[str]]:
    wanted = set(years)
    flows: dict[int, Counter[str]] = {y: Counter() for y in sorted(wanted, reverse=True)}
    for events in _every_record(rt, jurisdiction):
        for e in amended_events(events):
            if e.on.year in wanted and (figure := flow(e)) is not None:
                flows[e.on.year][figure] += 1
    return flows


def _every_record(rt: Runtime, jurisdiction: str, page: int = 500) -> Iterator[list[Event]]:
    """Each case's events in turn (a unit of work each, as case_ids pages)."""
    for case_id in case_ids(rt, jurisdiction=jurisdiction, page=page):
        with rt.reads() as uow:
            events = uow.cases.events(case_id)
        if events:
            yield events


def _count(stats: Statistics, events: list[Event], rt: Runtime, year: int, as_of: date) -> None:
    case = replay.as_of(events, rt.policies.get, day=as_of)
    if case is None:
        return
    stats.cases += 1
    if case.state in IN_FORCE:
        stats.recognized += 1
        stats.by_level[case.level] += 1
    stats.in_rectification += case.state == "rectifying"
    stats.in_public_notice += case.state == "publicized"
    stats.suspended += case.state == "suspended"
    if case.ban is not None and case.ban.bars_on(as_of):
        stats.bans_in_force += 1
    for e in amended_events(events):
        if e.on.year != year:
            continue
        figure = flow(e)
        if figure is not None:
            setattr(stats, figure, getattr(stats, figure) + 1)
        if e.act in GRADED:
            stats.assessment_results[e.payload.get("grade", "")] += 1
        if e.act == "revoke":
            stats.revoked_by_ground[e.payload["ground"]] += 1
