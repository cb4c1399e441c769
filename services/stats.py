"""The figures departments publish for a jurisdiction and year, from the replayed record.

Each case is replayed as of the year's last day (or today, for the current year), so the
figures for a past year do not drift as cases move on; events of the year give the flows.
"""
from __future__ import annotations

from collections import Counter
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
    for case_id in case_ids(rt, jurisdiction=jurisdiction, page=page):
        with rt.reads() as uow:
            events = uow.cases.events(case_id)
        _count(stats, events, rt, year, as_of)
    return stats


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
    corrections = replay.corrections_in(events)
    for e in (replay.amended(e, corrections) for e in events):
        if e.on.year != year:
            continue
        # an approval recognises, unless it opened a public notice: then the notice's end does (R22)
        if (e.act == "approve" and "notice" not in e.payload) or e.act == "end_public_notice":
            stats.newly_recognized += 1
        elif e.act in ("extend",) or (e.act == "reevaluate" and e.payload.get("decision") == "extend"):
            stats.extended += 1
        elif e.act in ("record_assessment", "record_missed_assessment", "record_rectification"):
            stats.assessed += e.act != "record_rectification"
            stats.assessment_results[e.payload.get("grade", "")] += 1
        elif e.act == "revoke":
            stats.revoked += 1
            stats.revoked_by_ground[e.payload["ground"]] += 1
        elif e.act == "flag_overdue_report":
            stats.overdue_reports += 1
