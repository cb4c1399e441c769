"""The rows derived from cases, read back as stored, for `audit verify` to hold against the replay.

Six statements for any number of cases: `verify --all` reads them for a batch of cases at a time
(bench b5), where a statement per table and case cost a third of the whole check on PostgreSQL.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
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
from services.work_items import COLUMNS as WORK_COLUMNS

IDS: sa.BindParameter[list[str]] = sa.bindparam("ids", expanding=True)
# PostgreSQL: the ids as one array parameter; an IN of 200 marks is a statement psycopg parses anew
# each time it runs (a tenth of `verify --all` over short cases, issue 16)
PG_IDS = sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(sa.String)))


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


def _of_cases(table: sa.Table, columns: Sequence[str], case: str = "case_id", key: str | None = None,
              *, pg: bool = False) -> sa.Select:
    """(case, the row's key, its columns…) of the rows of these cases."""
    return sa.select(table.c[case], table.c[key or case], *(_column(table, c) for c in columns)).where(
        table.c[case] == PG_IDS if pg else table.c[case].in_(IDS))


def among(column: Any, ids: Sequence[str], dialect_name: str) -> Any:
    """`column IN ids`, on PostgreSQL as `= ANY(array)` (PG_IDS, above)."""
    if dialect_name == "postgresql":
        return column == sa.any_(sa.literal(list(ids), postgresql.ARRAY(sa.String)))
    return column.in_(ids)


def _statements(pg: bool) -> tuple[sa.Select, dict[str, sa.Select], sa.Select]:
    timers = t.timers.c
    return (_of_cases(t.cases, CASE_COLUMNS, "id", pg=pg),
            {"bans": _of_cases(t.bans, BAN_COLUMNS, pg=pg),
             "complaints": _of_cases(t.complaints, COMPLAINT_COLUMNS, key="complaint_id", pg=pg),
             "instalments": _of_cases(t.subsidy_instalments, INSTALMENT_COLUMNS, key="number", pg=pg),
             "clawbacks": _of_cases(t.subsidy_clawbacks, CLAWBACK_COLUMNS, pg=pg)},
            sa.select(timers.case_id, timers.kind, timers.key, _column(t.timers, "due_on"), timers.provisional,
                      timers.fired_at.is_not(None)).where(timers.case_id == PG_IDS if pg else timers.case_id.in_(IDS)))


_GENERIC, _POSTGRESQL = _statements(pg=False), _statements(pg=True)


class SqlProjectionRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def of_cases(self, case_ids: Sequence[str]) -> dict[str, StoredProjections]:
        ids = {"ids": list(case_ids)}
        rows: dict[str, dict[str, Any]] = {i: {"case_row": None, "timers": [], **{k: {} for k in _GENERIC[1]}}
                                           for i in case_ids}
        cases, keyed, timers = _POSTGRESQL if self.conn.dialect.name == "postgresql" else _GENERIC
        for case_id, _, *columns in self.conn.execute(cases, ids):
            rows[case_id]["case_row"] = tuple(columns)
        for name, statement in keyed.items():
            for case_id, key, *columns in self.conn.execute(statement, ids):
                rows[case_id][name][key] = tuple(columns)
        for case_id, kind, key, due_on, provisional, fired in self.conn.execute(timers, ids):
            rows[case_id]["timers"].append(StoredTimer(kind, key, due_on, bool(provisional), bool(fired)))
        work, names = _work_items(self.conn, case_ids)
        return {case_id: StoredProjections(r["case_row"], r["bans"], r["complaints"], r["instalments"], r["clawbacks"],
                                           tuple(r["timers"]), work.get(case_id, {}), names.get(case_id))
                for case_id, r in rows.items()}


def _work_items(conn: Connection, case_ids: Sequence[str]
                ) -> tuple[dict[str, dict[tuple[str, str], tuple]], dict[str, tuple[str, str]]]:
    """issue 16: the cases' work_items rows by (kind, detail), and each case's base and operator names
    (what the rows must repeat); two statements for the batch."""
    pg = conn.dialect.name == "postgresql"
    ids = {"ids": list(case_ids)}
    work: dict[str, dict[tuple[str, str], tuple]] = {}
    for case_id, kind, detail, *columns in conn.execute(_WORK[pg], ids):
        work.setdefault(case_id, {})[(kind, detail)] = tuple(columns)
    names = {case_id: (base, operator) for case_id, base, operator in conn.execute(_NAMES[pg], ids)}
    return work, names


def _work_statement(pg: bool) -> sa.Select:
    w = t.work_items.c
    return sa.select(w.case_id, w.kind, w.detail, *(_column(t.work_items, c) for c in WORK_COLUMNS)).where(
        w.case_id == PG_IDS if pg else w.case_id.in_(IDS))


def _names_statement(pg: bool) -> sa.Select:
    c, b, o = t.cases.c, t.bases.c, t.operators.c
    return (sa.select(c.id, b.name, o.name).join_from(t.cases, t.bases, b.id == c.base_id)
            .join(t.operators, o.id == b.operator_id).where(c.id == PG_IDS if pg else c.id.in_(IDS)))


_WORK = {pg: _work_statement(pg) for pg in (False, True)}
_NAMES = {pg: _names_statement(pg) for pg in (False, True)}
