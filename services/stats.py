"""The figures departments publish for a jurisdiction and year, from the replayed record.

Each case is replayed as of the year's last day (or today, for the current year), so the
figures for a past year do not drift as cases move on; events of the year give the flows.
The dashboard links each figure to the cases it counts (`counted_cases`) and charts the flows of
every year it offers (`flows_by_year`); both count exactly as `statistics` does, one case at a time.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.queries import case_ids
from services.runtime import Runtime
from statemachines import replay
from statemachines.events import Event
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


def statistics(rt: Runtime, jurisdiction: str, year: int, today: date, *, page: int = 500) -> Statistics:
    as_of = min(date(year, 12, 31), today)
    stats = Statistics(jurisdiction, year, as_of)
    for events in _every_record(rt, jurisdiction, page):
        _count(stats, events, rt, year, as_of)
    return stats


# the figures a page may list the cases of (issue 15: every figure on the dashboard links to them)
LISTED_FIGURES = ("recognized", "newly_recognized", "revoked", "overdue_reports")


def counted_cases(rt: Runtime, jurisdiction: str, year: int, today: date, figure: str) -> list[str]:
    """The ids of the cases `statistics` counts in `figure` for this jurisdiction and year. A case
    adds at most one to each of these figures, but for a case flagged overdue for two reports in one
    year (a sweep catching up): it is listed once, the figure counts the reports."""
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


def flows_by_year(rt: Runtime, jurisdiction: str, years: Iterable[int]) -> dict[int, Counter[str]]:
    """Year → the flows of that year (newly_recognized, extended, revoked, …) as `statistics` counts
    them, read in one pass over the record instead of one per year."""
    wanted = set(years)
    flows: dict[int, Counter[str]] = {y: Counter() for y in sorted(wanted, reverse=True)}
    for events in _every_record(rt, jurisdiction):
        for e in _amended(events):
            if e.on.year in wanted and (flow := _flow(e)) is not None:
                flows[e.on.year][flow] += 1
    return flows


def _every_record(rt: Runtime, jurisdiction: str, page: int = 500) -> Iterator[list[Event]]:
    """Each case's events in turn (a unit of work each, as case_ids pages)."""
    for case_id in case_ids(rt, jurisdiction=jurisdiction, page=page):
        with rt.reads() as uow:
            events = uow.cases.events(case_id)
        if events:
            yield events


def _amended(events: list[Event]) -> Iterator[Event]:
    corrections = replay.corrections_in(events)
    return (replay.amended(e, corrections) for e in events)


def _flow(e: Event) -> str | None:
    """The flow figure an event adds one to, if any."""
    # an approval recognises, unless it opened a public notice: then the notice's end does (R22)
    if (e.act == "approve" and "notice" not in e.payload) or e.act == "end_public_notice":
        return "newly_recognized"
    if e.act == "extend" or (e.act == "reevaluate" and e.payload.get("decision") == "extend"):
        return "extended"
    if e.act in ("record_assessment", "record_missed_assessment"):
        return "assessed"
    if e.act == "revoke":
        return "revoked"
    if e.act == "flag_overdue_report":
        return "overdue_reports"
    return None


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
    for e in _amended(events):
        if e.on.year != year:
            continue
        flow = _flow(e)
        if flow is not None:
            setattr(stats, flow, getattr(stats, flow) + 1)
        if e.act in ("record_assessment", "record_missed_assessment", "record_rectification"):
            stats.assessment_results[e.payload.get("grade", "")] += 1
        if e.act == "revoke":
            stats.revoked_by_ground[e.payload["ground"]] += 1
