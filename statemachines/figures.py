"""What the published figures are counted from, derived from a case's events alone (issue 16).

Two projections, both pure functions of the history, so the writer (db/figures.py, in the act's own
transaction), the back-fill of migration 0017 and `audit verify` derive the same rows:

- `day_rows`: the case as of each business day its record names. One row per distinct (amended,
  R17) event date d, holding what `replay.as_of(events, day=d)` gives (state, level, ban), valid
  until the next row's date; so "the case as of X" is the row with on <= X < until.
- `tally_rows`: per amended event, the flow figure it adds one to, the assessment grade and the
  revocation ground it records, with its year (only the events that add to a figure).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from statemachines import replay
from statemachines.case import Case
from statemachines.events import Event
from statemachines.replay import PolicyLookup

# the acts whose grade `statistics` counts among the assessment results
GRADED = ("record_assessment", "record_missed_assessment", "record_rectification")


@dataclass(frozen=True)
class DayRow:
    on: date
    until: date | None  # the next row's date; None for the last
    jurisdiction: str
    level: str
    state: str
    ban_first_day: date | None
    ban_last_day: date | None
    ban_ended_on: date | None


@dataclass(frozen=True)
class TallyRow:
    seq: int
    on: date
    year: int
    jurisdiction: str
    figure: str | None
    grade: str | None  # None: not an assessment act; "" an assessment act without a grade
    ground: str | None


def day_row(case: Case, on: date, until: date | None = None) -> DayRow:
    """The row of a case as it stood at the end of `on`."""
    ban = case.ban
    return DayRow(on, until, case.jurisdiction, case.level, case.state,
                  ban.first_day if ban else None, ban.last_day if ban else None, ban.ended_on if ban else None)


def bans_on(row: DayRow, day: date) -> bool:
    """Whether the row's ban is in force on `day` (statemachines.case.Ban.bars_on, on the row)."""
    return (row.ban_first_day is not None and row.ban_ended_on is None and row.ban_first_day <= day
            and (row.ban_last_day is None or day <= row.ban_last_day))


def day_rows(events: list[Event], policy_of: PolicyLookup) -> list[DayRow]:
    """The case as of each distinct amended event date, as `replay.as_of` gives it."""
    if not events:
        return []
    corrections = replay.corrections_in(events)
    dates = [replay.amended(e, corrections).on for e in events]
    if all(a <= b for a, b in zip(dates, dates[1:], strict=False)):
        # dates in record order: as of each date is the fold after its last event, one pass
        rows = _after_each_date(events, dates, policy_of, corrections)
    else:  # a correction moved a date across another event's: as_of filters, it does not cut a prefix
        rows = [day_row(case, d) for d in sorted(set(dates))
                if (case := replay.as_of(events, policy_of, day=d)) is not None]
    return [dataclasses.replace(row, until=nxt.on if nxt else None)
            for row, nxt in zip(rows, [*rows[1:], None], strict=True)]


def _after_each_date(events: list[Event], dates: list[date], policy_of: PolicyLookup,
                     corrections: dict[int, dict[str, Any]]) -> list[DayRow]:
    # folds changes one case object in place: each row is read from it before the next event
    return [day_row(case, dates[i]) for i, case in enumerate(replay.folds(events, policy_of, corrections))
            if i + 1 == len(events) or dates[i + 1] != dates[i]]


def flow(e: Event) -> str | None:
    """The flow figure an (amended) event adds one to, if any."""
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


def amended_events(events: list[Event]) -> Iterator[Event]:
    corrections = replay.corrections_in(events)
    return (replay.amended(e, corrections) for e in events)


def tally_rows(events: list[Event], jurisdiction: str) -> list[TallyRow]:
    """What each amended event adds to the year's figures (events adding nothing have no row)."""
    return [row for e in amended_events(events) if (row := tally_row(e, jurisdiction)) is not None]


def tally_row(e: Event, jurisdiction: str) -> TallyRow | None:
    grade = str(e.payload.get("grade", "")) if e.act in GRADED else None
    ground = str(e.payload["ground"]) if e.act == "revoke" else None
    figure = flow(e)
    if figure is None and grade is None and ground is None:
        return None
    return TallyRow(e.seq, e.on, e.on.year, jurisdiction, figure, grade, ground)
