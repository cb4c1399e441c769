"""The projections of a case held against its replay: the rows other reads trust.

The events are the record; the case row's columns, the bans, complaints, subsidy instalments, money
owed back and timers are derived from them, and the queries across cases read those rows, not the
events: R3's one open case per base reads `cases.state`, R2's ban check reads `bans`, the sweep reads
`timers`. So a row changed behind the service's back changes what the rules allow while every event
still verifies. `check` derives each row from the replayed case (and the timers it owes) and names
every stored row that differs, is missing, or has no source in the history.

A timer that fired is kept as history, so a fired row the case no longer owes is as it should be;
a timer the case still owes is pending, unless an event of the history says it fired it (the sweep
records the timer it fired in the event's payload).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from services import work_items
from services.case_listing import LISTING_COLUMNS, next_of, search_text
from services.values import Row, StoredProjections, StoredTimer
from statemachines import figures
from statemachines.audit import Violation
from statemachines.case import Case
from statemachines.events import SYSTEM_ACTOR, Event
from statemachines.replay import PolicyLookup
from statemachines.timers import Timer

# the columns of each table's rows, in the order stored rows are read in (db/projections.py): the
# cases row besides its snapshot (compared on its own) and updated_at; the others besides their key
CASE_COLUMNS = ("base_id", "operator_code", "level", "jurisdiction", "programme", "reference", "state", "version",
                "policy_id", "policy_version", "applied_on", "last_on", "period_start", "period_end")
BAN_COLUMNS = ("operator_code", "base_id", "level", "ground", "first_day", "last_day", "ended_on")
COMPLAINT_COLUMNS = ("received_on", "summary", "period", "valid", "verified_on")
INSTALMENT_COLUMNS = ("amount_fen", "due_on", "status", "paid_on", "paid_fen")
CLAWBACK_COLUMNS = ("ground", "since", "owed_fen", "repaid_fen", "repaid_on")
# issue 16: the figures' projections, case_days keyed by `on`, case_tallies by `seq`
DAY_COLUMNS = ("until", "jurisdiction", "level", "state", "ban_first_day", "ban_last_day", "ban_ended_on")
TALLY_COLUMNS = ("on", "year", "jurisdiction", "figure", "grade", "ground")

__all__ = ["BAN_COLUMNS", "CASE_COLUMNS", "CLAWBACK_COLUMNS", "COMPLAINT_COLUMNS", "DAY_COLUMNS",
           "INSTALMENT_COLUMNS", "LISTING_COLUMNS", "TALLY_COLUMNS", "StoredProjections", "StoredTimer",
           "case_columns", "check", "figure_rows", "fired_timers", "listing_columns"]


def case_columns(case: Case) -> Row:
    return (case.base_id, case.operator_code, case.level, case.jurisdiction, case.programme, case.reference,
            case.state, case.version, case.policy_id, case.policy_version, case.applied_on, case.last_on,
            case.period.start if case.period else None, case.period.end if case.period else None)


def _bans(case: Case) -> dict[str, Row]:
    b = case.ban
    return {} if b is None else {
        case.id: (case.operator_code, case.base_id, b.level, b.ground, b.first_day, b.last_day, b.ended_on)}


def _complaints(case: Case) -> dict[str, Row]:
    return {c.id: (c.received_on, c.summary, c.period, c.valid, c.verified_on) for c in case.complaints}


def _instalments(case: Case) -> dict[int, Row]:
    return {i.number: (i.amount_fen, i.due_on, i.status, i.paid_on, i.paid_fen) for i in case.instalments}


def _clawbacks(case: Case) -> dict[str, Row]:
    c = case.clawback
    return {} if c is None else {case.id: (c.ground, c.since, c.owed_fen, c.repaid_fen, c.repaid_on)}


def fired_timers(events: Iterable[Event]) -> set[tuple[str, str]]:
    """(kind, key) of every timer an event of the history says it fired (the system's acts name it)."""
    out = set()
    for e in events:
        if e.actor != SYSTEM_ACTOR:
            continue
        timer = e.payload.get("timer") if isinstance(e.payload, Mapping) else None
        if isinstance(timer, Mapping):
            out.add((str(timer.get("kind")), str(timer.get("key"))))
    return out


def figure_rows(events: list[Event], jurisdiction: str, policy_of: PolicyLookup,
                collected: figures.DayCollector | None = None) -> tuple[dict[date, Row], dict[int, Row]]:
    """The case_days and case_tallies rows the history gives (statemachines.figures), keyed as stored;
    the day rows as `collected` read them from a fold already run, when it was given one."""
    values = collected.rows(policy_of) if collected is not None else figures.day_values(events, policy_of)
    days = {v[0]: v[1:] for v in values}
    tallies = {r.seq: (r.on, r.year, r.jurisdiction, r.figure, r.grade, r.ground)
               for r in figures.tally_rows(events, jurisdiction)}
    return days, tallies


def check(case_id: str, replayed: Case, stored: StoredProjections, owed: Sequence[Timer],
          fired: set[tuple[str, str]], derived: tuple[Mapping[date, Row], Mapping[int, Row]] | None = None
          ) -> list[Violation]:
    """Every derived row of the case against what its replay gives (see the module's docstring);
    the figures' rows against `derived` (figure_rows, above) when given."""
    out = _rows(case_id, "cases", "R17", CASE_COLUMNS, {case_id: case_columns(replayed)},
                {} if stored.case_row is None else {case_id: stored.case_row})
    out += _rows(case_id, "bans", "R2", BAN_COLUMNS, _bans(replayed), stored.bans)
    out += _rows(case_id, "complaints", "R12", COMPLAINT_COLUMNS, _complaints(replayed), stored.complaints)
    out += _rows(case_id, "subsidy_instalments", "R11", INSTALMENT_COLUMNS, _instalments(replayed),
                 stored.instalments)
    out += _rows(case_id, "subsidy_clawbacks", "R20", CLAWBACK_COLUMNS, _clawbacks(replayed), stored.clawbacks)
    if stored.listing is not None:
        out += _rows(case_id, "cases", "R17", LISTING_COLUMNS,
                     {case_id: listing_columns(replayed, stored.operator_name or "", owed, fired)},
                     {case_id: stored.listing})
    if derived is not None:
        out += _rows(case_id, "case_days", "R17", DAY_COLUMNS, derived[0], stored.days)
        out += _rows(case_id, "case_tallies", "R17", TALLY_COLUMNS, derived[1], stored.tallies)
    out += _work_items(case_id, replayed, stored, owed, fired)
    return out + _timers(case_id, stored.timers, owed, fired)


def listing_columns(case: Case, operator_name: str, owed: Sequence[Timer], fired: set[tuple[str, str]]) -> Row:
    """The case list's columns (issue 16) as the replay gives them: the base's name from the
    application, the operator's name from its stored row (no event names it), and the next timer
    among those the case owes that no event of its history fired (a timer row marked fired that
    no event explains is the timers' own violation, named beside it)."""
    next_due, next_timer = next_of(t for t in owed if t.ident not in fired)
    return (case.base_name, operator_name, next_due, next_timer,
            search_text(case.reference, case.base_name, operator_name, case.operator_code))


def _work_items(case_id: str, replayed: Case, stored: StoredProjections, owed: Sequence[Timer],
                fired: set[tuple[str, str]]) -> list[Violation]:
    """issue 16: the queue's rows are what the replayed case gives, with the timers the replay owes, each
    fired when the history fired it (at its stored date: a fired row keeps the date it fired at), and
    its base's and operator's names. A tampered timer is named by the timers' check, not here too."""
    rows = {(r.kind, r.key): r for r in stored.timers}

    def as_fired(ident: tuple[str, str], default: Timer | None) -> Timer | None:
        r = rows.get(ident)
        return Timer(r.kind, r.key, r.due_on, r.provisional) if r is not None and r.fired else default

    timers = [(as_fired(tm.ident, tm) or tm, True) if tm.ident in fired else (tm, False) for tm in owed]
    owes = {tm.ident for tm in owed}
    timers += [(tm, True) for ident in sorted(fired - owes) if (tm := as_fired(ident, None)) is not None]
    expected = work_items.rows_of(replayed, timers, *(stored.names or ("", "")))
    if expected == stored.work_items:
        return []
    return _rows(case_id, "work_items", "R17", work_items.COLUMNS,
                 {f"{k[0]}:{k[1]}": v for k, v in expected.items()},
                 {f"{k[0]}:{k[1]}": v for k, v in stored.work_items.items()})


def _rows(case_id: str, table: str, rule: str, columns: Sequence[str], expected: Mapping[Any, Row],
          stored: Mapping[Any, Row]) -> list[Violation]:
    if expected == stored:  # the usual case: one comparison of the whole table (bench b5)
        return []

    def where(key: Any) -> str:
        return table if key == case_id else f"{table} {key}"

    out = []
    for key in [k for k in expected if k not in stored]:
        out.append(Violation(case_id, None, rule, "projection", f"{where(key)}: no row, the replay has one"))
    for key in [k for k in stored if k not in expected]:
        out.append(Violation(case_id, None, rule, "projection", f"{where(key)}: a row the replay does not have"))
    for key in [k for k in expected if k in stored]:
        for column, want, have in zip(columns, expected[key], stored[key], strict=True):
            if have != want or isinstance(have, bool) != isinstance(want, bool):
                out.append(Violation(case_id, None, rule, "projection",
                                     f"{where(key)}.{column}: stored {have!r}, replay gives {want!r}"))
    return out


def _timers(case_id: str, rows: Sequence[StoredTimer], owed: Sequence[Timer], fired: set[tuple[str, str]]
            ) -> list[Violation]:
    stored = {(r.kind, r.key): r for r in rows}
    wanted = {t.ident: t for t in owed}
    out = []

    def violation(ident: tuple[str, str], what: str) -> None:
        out.append(Violation(case_id, None, "R17", "projection", f"timer {ident[0]}:{ident[1]}: {what}"))

    for ident, timer in wanted.items():
        row = stored.get(ident)
        if row is None:
            violation(ident, f"the case owes it (due {timer.due_on}) and it is not stored")
        elif row.fired:
            if ident not in fired:
                violation(ident, "marked fired, and no event of the history fired it")
        elif (row.due_on, row.provisional) != (timer.due_on, timer.provisional):
            violation(ident, f"stored due {row.due_on}{' (provisional)' * row.provisional}, the case owes it "
                             f"due {timer.due_on}{' (provisional)' * timer.provisional}")
    for ident, row in stored.items():
        if not row.fired and ident not in wanted:
            violation(ident, f"pending (due {row.due_on}), and the case owes no such timer")
    for ident in sorted(fired - stored.keys()):
        violation(ident, "an event of the history fired it, and its row is gone")
    return out
