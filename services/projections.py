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
from typing import Any

from services.values import Row, StoredProjections, StoredTimer
from statemachines.audit import Violation
from statemachines.case import Case
from statemachines.events import Event
from statemachines.timers import Timer

# the columns of the cases row besides its snapshot (compared on its own) and updated_at
CASE_COLUMNS = ("base_id", "operator_code", "level", "jurisdiction", "state", "version", "policy_id",
                "policy_version", "applied_on", "last_on", "period_start", "period_end")

__all__ = ["CASE_COLUMNS", "StoredProjections", "StoredTimer", "case_columns", "check", "fired_timers"]


def case_columns(case: Case) -> dict[str, Any]:
    return {"base_id": case.base_id, "operator_code": case.operator_code, "level": case.level,
            "jurisdiction": case.jurisdiction, "state": case.state, "version": case.version,
            "policy_id": case.policy_id, "policy_version": case.policy_version, "applied_on": case.applied_on,
            "last_on": case.last_on, "period_start": case.period.start if case.period else None,
            "period_end": case.period.end if case.period else None}


def _bans(case: Case) -> dict[str, Row]:
    b = case.ban
    return {} if b is None else {case.id: {
        "operator_code": case.operator_code, "base_id": case.base_id, "level": b.level, "ground": b.ground,
        "first_day": b.first_day, "last_day": b.last_day, "ended_on": b.ended_on}}


def _complaints(case: Case) -> dict[str, Row]:
    return {c.id: {"received_on": c.received_on, "summary": c.summary, "period": c.period, "valid": c.valid,
                   "verified_on": c.verified_on} for c in case.complaints}


def _instalments(case: Case) -> dict[int, Row]:
    return {i.number: {"amount_fen": i.amount_fen, "due_on": i.due_on, "status": i.status, "paid_on": i.paid_on,
                       "paid_fen": i.paid_fen} for i in case.instalments}


def _clawbacks(case: Case) -> dict[str, Row]:
    c = case.clawback
    return {} if c is None else {case.id: {"ground": c.ground, "since": c.since, "owed_fen": c.owed_fen,
                                           "repaid_fen": c.repaid_fen, "repaid_on": c.repaid_on}}


def fired_timers(events: Iterable[Event]) -> set[tuple[str, str]]:
    """(kind, key) of every timer an event of the history says it fired."""
    out = set()
    for e in events:
        timer = e.payload.get("timer") if isinstance(e.payload, Mapping) else None
        if isinstance(timer, Mapping):
            out.add((str(timer.get("kind")), str(timer.get("key"))))
    return out


def check(case_id: str, replayed: Case, stored: StoredProjections, owed: Sequence[Timer],
          fired: set[tuple[str, str]]) -> list[Violation]:
    """Every derived row of the case against what its replay gives (see the module's docstring)."""
    out = _rows(case_id, "cases", "R17", {case_id: case_columns(replayed)},
                {} if stored.case_row is None else {case_id: stored.case_row})
    out += _rows(case_id, "bans", "R2", _bans(replayed), _one(case_id, stored.bans))
    out += _rows(case_id, "complaints", "R12", _complaints(replayed),
                 {r["complaint_id"]: _without(r, "complaint_id") for r in stored.complaints})
    out += _rows(case_id, "subsidy_instalments", "R11", _instalments(replayed),
                 {r["number"]: _without(r, "number") for r in stored.instalments})
    out += _rows(case_id, "subsidy_clawbacks", "R20", _clawbacks(replayed), _one(case_id, stored.clawbacks))
    return out + _timers(case_id, stored.timers, owed, fired)


def _one(case_id: str, rows: tuple[Row, ...]) -> dict[str, Row]:
    """The case's row of a table keyed by the case alone (its primary key: one at most)."""
    return {case_id: rows[0]} if rows else {}


def _without(row: Row, key: str) -> Row:
    return {k: v for k, v in row.items() if k != key}


def _rows(case_id: str, table: str, rule: str, expected: Mapping[Any, Row], stored: Mapping[Any, Row]
          ) -> list[Violation]:
    def where(key: Any) -> str:
        return table if key == case_id else f"{table} {key}"

    out = []
    for key in [k for k in expected if k not in stored]:
        out.append(Violation(case_id, None, rule, "projection", f"{where(key)}: no row, the replay has one"))
    for key in [k for k in stored if k not in expected]:
        out.append(Violation(case_id, None, rule, "projection", f"{where(key)}: a row the replay does not have"))
    for key in [k for k in expected if k in stored]:
        want, have = expected[key], stored[key]
        for column in want:
            if have.get(column) != want[column]:
                out.append(Violation(case_id, None, rule, "projection",
                                     f"{where(key)}.{column}: stored {have.get(column)!r}, "
                                     f"replay gives {want[column]!r}"))
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
