"""The rows derived from cases, read back as stored, for `audit verify` to hold against the replay.

Six statements for any number of cases: `verify --all` reads them for a batch of cases at a time
(bench b5), where a statement per table and case cost a third of the whole check on PostgreSQL.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db import tables as t
from services.projections import (
    BAN_COLUMNS,
    CASE_COLUMNS,
    CLAWBACK_COLUMNS,
    COMPLAINT_COLUMNS,
    INSTALMENT_COLUMNS,
    StoredProjections,
    StoredTimer,
)

IDS: sa.BindParameter[list[str]] = sa.bindparam("ids", expanding=True)


class _Day(sa.types.TypeDecorator[date]):
    """A date column read with `date.fromisoformat`: SQLite keeps dates as text, and its dialect's
    regular expression cost as much as the rest of the projection check (bench b5, 248 complaints
    a case); PostgreSQL's driver gives dates already, passed through."""

    impl = sa.String
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> date | None:
        return date.fromisoformat(value) if isinstance(value, str) else value


def _column(table: sa.Table, name: str) -> Any:
    column = table.c[name]
    return sa.type_coerce(column, _Day()).label(name) if isinstance(column.type, sa.Date) else column


def _of_cases(table: sa.Table, columns: Sequence[str], case: str = "case_id", key: str | None = None) -> sa.Select:
    """(case, the row's key, its columns…) of the rows of these cases."""
    return sa.select(table.c[case], table.c[key or case], *(_column(table, c) for c in columns)).where(
        table.c[case].in_(IDS))


_CASES = _of_cases(t.cases, CASE_COLUMNS, "id")
_KEYED = {"bans": _of_cases(t.bans, BAN_COLUMNS),
          "complaints": _of_cases(t.complaints, COMPLAINT_COLUMNS, key="complaint_id"),
          "instalments": _of_cases(t.subsidy_instalments, INSTALMENT_COLUMNS, key="number"),
          "clawbacks": _of_cases(t.subsidy_clawbacks, CLAWBACK_COLUMNS)}
_TIMERS = sa.select(t.timers.c.case_id, t.timers.c.kind, t.timers.c.key, _column(t.timers, "due_on"),
                    t.timers.c.provisional, t.timers.c.fired_at.is_not(None)).where(t.timers.c.case_id.in_(IDS))


class SqlProjectionRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def of_cases(self, case_ids: Sequence[str]) -> dict[str, StoredProjections]:
        ids = {"ids": list(case_ids)}
        rows: dict[str, dict[str, Any]] = {i: {"case_row": None, "timers": [], **{k: {} for k in _KEYED}}
                                           for i in case_ids}
        for case_id, _, *columns in self.conn.execute(_CASES, ids):
            rows[case_id]["case_row"] = tuple(columns)
        for name, statement in _KEYED.items():
            for case_id, key, *columns in self.conn.execute(statement, ids):
                rows[case_id][name][key] = tuple(columns)
        for case_id, kind, key, due_on, provisional, fired in self.conn.execute(_TIMERS, ids):
            rows[case_id]["timers"].append(StoredTimer(kind, key, due_on, bool(provisional), bool(fired)))
        return {case_id: StoredProjections(r["case_row"], r["bans"], r["complaints"], r["instalments"], r["clawbacks"],
                                           tuple(r["timers"])) for case_id, r in rows.items()}
