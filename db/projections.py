"""The rows derived from cases, read back as stored, for `audit verify` to hold against the replay.

Eight statements for any number of cases: `verify --all` reads them for a batch of cases at a time
(bench b5), where a statement per table and case cost a third of the whole check on PostgreSQL.
They run on the driver's cursor (db.driver_path): SQLAlchemy's result rows cost half of reading
them for cases of five events (bench b7, issue 16), so the batch's ids are one parameter whatever
their number, an array on PostgreSQL and a JSON list on SQLite (`json_each`), and each statement's
SQL is compiled once.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from db import tables as t
from db.driver_path import DriverStatement
from services.case_listing import LISTING_COLUMNS
from services.projections import (
    BAN_COLUMNS,
    CASE_COLUMNS,
    CLAWBACK_COLUMNS,
    COMPLAINT_COLUMNS,
    DAY_COLUMNS,
    INSTALMENT_COLUMNS,
    TALLY_COLUMNS,
    StoredProjections,
    StoredTimer,
)
from services.work_items import COLUMNS as WORK_COLUMNS

# PostgreSQL: the ids as one array parameter; an IN of 200 marks is a statement psycopg parses anew
# each time it runs (a tenth of `verify --all` over short cases, issue 16)
PG_IDS = sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(sa.String)))
# SQLite: the ids as one JSON list, walked by `json_each` (an index lookup per id, as IN gives)
SQLITE_IDS = sa.select(sa.func.json_each(sa.bindparam("ids", type_=sa.JSON)).table_valued("value").c.value)


def among_ids(column: Any, pg: bool) -> Any:
    """`column` is one of the `ids` parameter's: a condition a DriverStatement runs for any number of ids."""
    return column == PG_IDS if pg else column.in_(SQLITE_IDS)


class _Day(sa.types.TypeDecorator[date]):
    """A date column read with `date.fromisoformat`: SQLite keeps dates as text, and its dialect's
    regular expression cost as much as the rest of the projection check (bench b5, 248 complaints
    a case); PostgreSQL's driver gives dates already, passed through."""

    impl = sa.String
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> date | None:
        return _day(value)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        # the conversion itself, without TypeDecorator's wrapper around process_result_value (a call
        # per value: a tenth of reading the rows, issue 16); the impl, String, converts nothing
        return _day


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _column(table: sa.Table, name: str) -> Any:
    column = table.c[name]
    return sa.type_coerce(column, _Day()).label(name) if isinstance(column.type, sa.Date) else column


def _of_cases(table: sa.Table, columns: Sequence[str], case: str = "case_id", key: str | None = None,
              *, pg: bool = False) -> sa.Select:
    """(case, the row's key, its columns…) of the rows of these cases."""
    return sa.select(table.c[case], _column(table, key or case), *(_column(table, c) for c in columns)).where(
        among_ids(table.c[case], pg))


def among(column: Any, ids: Sequence[str], dialect_name: str) -> Any:
    """`column IN ids`, on PostgreSQL as `= ANY(array)` (PG_IDS, above)."""
    if dialect_name == "postgresql":
        return column == sa.any_(sa.literal(list(ids), postgresql.ARRAY(sa.String)))
    return column.in_(ids)


def _statements(pg: bool) -> tuple[sa.Select, dict[str, sa.Select], sa.Select]:
    timers = t.timers.c
    cases = _of_cases(t.cases, (*CASE_COLUMNS, *LISTING_COLUMNS), "id", pg=pg)
    # the name the listing copies, beside it: the operator of the case's base
    operator = (sa.select(t.operators.c.name).join_from(t.bases, t.operators, t.bases.c.operator_id == t.operators.c.id)
                .where(t.bases.c.id == t.cases.c.base_id).scalar_subquery())
    return (cases.add_columns(operator.label("source_operator_name")),
            {"bans": _of_cases(t.bans, BAN_COLUMNS, pg=pg),
             "complaints": _of_cases(t.complaints, COMPLAINT_COLUMNS, key="complaint_id", pg=pg),
             "instalments": _of_cases(t.subsidy_instalments, INSTALMENT_COLUMNS, key="number", pg=pg),
             "clawbacks": _of_cases(t.subsidy_clawbacks, CLAWBACK_COLUMNS, pg=pg),
             "days": _of_cases(t.case_days, DAY_COLUMNS, key="on", pg=pg),
             "tallies": _of_cases(t.case_tallies, TALLY_COLUMNS, key="seq", pg=pg)},
            sa.select(timers.case_id, timers.kind, timers.key, _column(t.timers, "due_on"), timers.provisional,
                      timers.fired_at.is_not(None)).where(among_ids(timers.case_id, pg)))


def _on_driver(statements: tuple[sa.Select, dict[str, sa.Select], sa.Select]
               ) -> tuple[DriverStatement, dict[str, DriverStatement], DriverStatement]:
    cases, keyed, timers = statements
    return DriverStatement(cases), {name: DriverStatement(s) for name, s in keyed.items()}, DriverStatement(timers)


_SQLITE, _POSTGRESQL = _on_driver(_statements(pg=False)), _on_driver(_statements(pg=True))


class SqlProjectionRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def of_cases(self, case_ids: Sequence[str]) -> dict[str, StoredProjections]:
        ids = {"ids": list(case_ids)}
        rows: dict[str, dict[str, Any]] = {i: {"case_row": None, "timers": [], **{k: {} for k in _SQLITE[1]}}
                                           for i in case_ids}
        cases, keyed, timers = _POSTGRESQL if self.conn.dialect.name == "postgresql" else _SQLITE
        split = 2 + len(CASE_COLUMNS)
        for row in cases.rows(self.conn, ids):  # (case, its key, its columns…, the listing's, the operator's name)
            rows[row[0]].update(case_row=row[2:split], listing=row[split:-1], operator_name=row[-1])
        for name, statement in keyed.items():
            for row in statement.rows(self.conn, ids):
                rows[row[0]][name][row[1]] = row[2:]
        for case_id, kind, key, due_on, provisional, fired in timers.rows(self.conn, ids):
            rows[case_id]["timers"].append(StoredTimer(kind, key, due_on, bool(provisional), bool(fired)))
        work, names = _work_items(self.conn, case_ids)
        return {case_id: StoredProjections(r["case_row"], r["bans"], r["complaints"], r["instalments"], r["clawbacks"],
                                           tuple(r["timers"]), listing=r.get("listing"),
                                           operator_name=r.get("operator_name"), days=r["days"], tallies=r["tallies"],
                                           work_items=work.get(case_id, {}), names=names.get(case_id))
                for case_id, r in rows.items()}


def _work_items(conn: Connection, case_ids: Sequence[str]
                ) -> tuple[dict[str, dict[tuple[str, str], tuple]], dict[str, tuple[str, str]]]:
    """issue 16: the cases' work_items rows by (kind, detail), and each case's base and operator names
    (what the rows must repeat); two statements for the batch."""
    pg = conn.dialect.name == "postgresql"
    ids = {"ids": list(case_ids)}
    work: dict[str, dict[tuple[str, str], tuple]] = {}
    for case_id, kind, detail, *columns in _WORK[pg].rows(conn, ids):
        work.setdefault(case_id, {})[(kind, detail)] = tuple(columns)
    names = {case_id: (base, operator) for case_id, base, operator in _NAMES[pg].rows(conn, ids)}
    return work, names


def _work_statement(pg: bool) -> sa.Select:
    w = t.work_items.c
    return sa.select(w.case_id, w.kind, w.detail, *(_column(t.work_items, c) for c in WORK_COLUMNS)).where(
        among_ids(w.case_id, pg))


def _names_statement(pg: bool) -> sa.Select:
    c, b, o = t.cases.c, t.bases.c, t.operators.c
    return (sa.select(c.id, b.name, o.name).join_from(t.cases, t.bases, b.id == c.base_id)
            .join(t.operators, o.id == b.operator_id).where(among_ids(c.id, pg)))


_WORK = {pg: DriverStatement(_work_statement(pg)) for pg in (False, True)}
_NAMES = {pg: DriverStatement(_names_statement(pg)) for pg in (False, True)}
