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

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

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
    return DayRow(*values_of(case, on, until))


def bans_on(row: DayRow, day: date) -> bool:
    """Whether the row's ban is in force on `day` (statemachines.case.Ban.bars_on, on the row)."""
    return (row.ban_first_day is not None and row.ban_ended_on is None and row.ban_first_day <= day
            and (row.ban_last_day is None or day <= row.ban_last_day))


def day_rows(events: list[Event], policy_of: PolicyLookup) -> list[DayRow]:
    """The case as of each distinct amended event date, as `replay.as_of` gives it."""
    return [DayRow(*values) for values in day_values(events, policy_of)]


DayValues = tuple[date, date | None, str, str, str, date | None, date | None, date | None]


def day_values(events: list[Event], policy_of: PolicyLookup) -> list[DayValues]:
    """day_rows as plain tuples, in DayRow's field order (`audit verify` compares tuples)."""
    collector = DayCollector(events)
    if collector.ordered:
        for i, case in enumerate(replay.folds(events, policy_of, collector.corrections)):
            collector(i, case)
        return collector.values
    return collector.by_as_of(policy_of)


class DayCollector:
    """The day rows read from a fold of the events as it runs: `replay.folds` here, or the fold
    `audit verify` runs anyway (statemachines.audit.check_history's `each`), so that verifying
    the rows costs no second fold. Call it with (i, the case after the i-th event)."""

    def __init__(self, events: list[Event]) -> None:
        self.events, self.corrections = events, replay.corrections_in(events)
        dates = [replay.amended(e, self.corrections).on for e in events] if self.corrections \
            else [e.on for e in events]
        # dates in record order: as of each date is the fold after its last event (else as_of
        # filters the events, which is not a prefix of them: by_as_of)
        self.ordered = all(a <= b for a, b in zip(dates, dates[1:], strict=False))
        days = sorted(set(dates))
        self._dates, self._last = dates, len(events) - 1
        self._until = dict(zip(days, [*days[1:], None], strict=True)) if days else {}
        self.values: list[DayValues] = []

    def __call__(self, i: int, case: Case) -> None:
        # the fold changes one case object in place: the row is read from it before the next event
        dates = self._dates
        if i == self._last or dates[i + 1] != dates[i]:
            self.values.append(values_of(case, dates[i], self._until[dates[i]]))

    def rows(self, policy_of: PolicyLookup) -> list[DayValues]:
        """What the fold gave, when it was the whole of one; else derived here."""
        if self.ordered and len(self.values) == len(self._until):
            return self.values
        return day_values(self.events, policy_of) if self.ordered else self.by_as_of(policy_of)

    def by_as_of(self, policy_of: PolicyLookup) -> list[DayValues]:
        return [values_of(case, d, until) for d, until in self._until.items()
                if (case := replay.as_of(self.events, policy_of, day=d)) is not None]


def values_of(case: Case, on: date, until: date | None) -> DayValues:
    ban = case.ban
    if ban is None:
        return (on, until, case.jurisdiction, case.level, case.state, None, None, None)
    return (on, until, case.jurisdiction, case.level, case.state, ban.first_day, ban.last_day, ban.ended_on)


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
