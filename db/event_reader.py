"""Reading a case's events at the driver's speed: replay and verification read whole histories.

SQLAlchemy's per-row result processing cost ~7× the bare fetch for a 10,000-event case (bench
b4). Here the driver's cursor runs one statement, inside the caller's transaction, and only the
three columns the driver does not hand back as Python values are converted, by the dialect's own
result processors, so an event is exactly what `select(case_events)` + `event_from_row` gave.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect, Engine

from db import tables as t
from statemachines.events import Event, restore

_COLUMNS = ("case_id", "seq", "act", "on", "recorded_at", "actor", "reason", "rule", "policy_id",
            "policy_version", "payload", "prev_hash", "canonical", "hash", "hash_algorithm")

def _columns(dialect: Dialect) -> str:
    # PostgreSQL: jsonb as text, parsed below from str; psycopg parses it from bytes, detecting
    # the encoding first, a third slower
    cast = "::text" if dialect.name == "postgresql" else ""
    return ", ".join(f'"{c}"{cast if c == "payload" else ""}' for c in _COLUMNS)


def _mark(dialect: Dialect) -> str:
    return "?" if dialect.paramstyle == "qmark" else "%s"


def _select(dialect: Dialect) -> str:
    return f"SELECT {_columns(dialect)} FROM case_events WHERE case_id = {_mark(dialect)} ORDER BY seq"


Processor = Callable[[Any], Any] | None
_prepared: dict[str, tuple[str, Processor, Processor, Processor]] = {}


def _prepare(dialect: Dialect) -> tuple[str, Processor, Processor, Processor]:
    # the same conversions SQLAlchemy applies to these columns (None where the driver returns the type)
    key = f"{dialect.name}+{dialect.driver}"
    if key not in _prepared:
        c = t.case_events.c
        on_p, at_p, payload_p = (col.type.dialect_impl(dialect).result_processor(dialect, None)
                                 for col in (c.on, c.recorded_at, c.payload))
        if dialect.name == "postgresql":
            # jsonb read as text (above): the generic JSON type's conversion of text, with the
            # engine's `json_deserializer`, as psycopg's jsonb loader would have parsed it
            payload_p = sa.JSON().result_processor(dialect, None)
        else:
            on_p, at_p = _iso(on_p, date.fromisoformat, 10), _iso(at_p, _utc_from_iso, 26)
        _prepared[key] = (_select(dialect), on_p, at_p, payload_p)
    return _prepared[key]


def _iso(general: Processor, parse: Callable[[str], Any], length: int) -> Processor:
    """SQLite stores dates and times as text in exactly the shape SQLAlchemy writes; `fromisoformat`
    reads that shape ~5× faster than the dialect's regular expression (a third of a 10,000-event
    replay, bench b4). Any other shape still goes to the dialect's own processor."""
    if general is None:
        return None

    def processor(value: Any) -> Any:
        if isinstance(value, str) and len(value) == length:
            return parse(value)
        return general(value)
    return processor


def _utc_from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text + "+00:00")  # SQLite keeps naive UTC


def case_events(conn: Connection, case_id: str) -> list[Event]:
    """One case's events in seq order."""
    return _events(conn, _prepare(conn.dialect)[0], (case_id,))


def events_of_cases(conn: Connection, case_ids: Sequence[str]) -> dict[str, list[Event]]:
    """The events of several cases in one statement, ordered by case and seq: `audit verify --all`
    read each case's history with a statement (and a transaction) of its own, which cost more than
    verifying five events (issue 16). A case without events is absent."""
    if not case_ids:
        return {}
    if conn.dialect.name == "postgresql":  # one array parameter: psycopg parses a statement of 200 marks each time
        where, params = "case_id = ANY(%s)", (list(case_ids),)
    else:
        where, params = f"case_id IN ({', '.join(['?'] * len(case_ids))})", tuple(case_ids)
    sql = f"SELECT {_columns(conn.dialect)} FROM case_events WHERE {where} ORDER BY case_id, seq"
    out: dict[str, list[Event]] = {}
    for event in _events(conn, sql, params):
        out.setdefault(event.case_id, []).append(event)
    return out


def _events(conn: Connection, sql: str, params: tuple) -> list[Event]:
    _, on_p, at_p, payload_p = _prepare(conn.dialect)
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    out = []
    append = out.append
    for (cid, seq, act, on, recorded_at, actor, reason, rule, policy_id, policy_version, payload, prev_hash,
         canonical, hash_, algorithm) in rows:
        if on_p is not None:
            on = on_p(on)
        if at_p is not None:
            recorded_at = at_p(recorded_at)
        if recorded_at.tzinfo is None:  # SQLite hands back naive UTC
            recorded_at = recorded_at.replace(tzinfo=UTC)
        if payload_p is not None:
            payload = payload_p(payload)
        append(restore(cid, seq, act, on, recorded_at, actor, reason, rule, policy_id, policy_version, payload,
                       prev_hash, canonical, hash_, algorithm))
    return out


def chain_links(engine: Engine, *, batch: int = 5000, after: str | None = None,
                through: str | None = None) -> Iterator[tuple[str, int | None, str, str, str, str]]:
    """(case_id, seq, prev_hash, canonical, hash, hash_algorithm) of every case's events: cases in id order, each
    case's events in seq order, a case without events as one row of NULLs, events of no case left
    out: the rows `verify_all` walks, in one pass over one consistent snapshot.

    One statement streamed in batches (a server-side cursor on PostgreSQL), so memory is flat in
    the number of events, and only the columns the chain needs. It runs on a connection of its
    own, read-only: on SQLite a deferred BEGIN, never the write lock a unit of work takes.
    `after` < id <= `through`: only the cases of that key range (a shard of `audit verify --workers`).
    """
    raw = engine.raw_connection()
    try:
        dbapi = raw.driver_connection
        mark = _mark(engine.dialect)
        bounds = [(f"c.id > {mark}", after), (f"c.id <= {mark}", through)]
        where = [(clause, value) for clause, value in bounds if value is not None]
        sql = ("SELECT c.id, e.seq, e.prev_hash, e.canonical, e.hash, e.hash_algorithm FROM cases c "
               "LEFT JOIN case_events e ON e.case_id = c.id "
               + (f"WHERE {' AND '.join(clause for clause, _ in where)} " if where else "")
               + "ORDER BY c.id, e.seq")
        if engine.dialect.name == "postgresql":
            dbapi.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor = dbapi.cursor(name="incubase_chain_links")
            cursor.itersize = batch
        else:
            dbapi.execute("BEGIN")
            cursor = dbapi.cursor()
        try:
            cursor.execute(sql, tuple(value for _, value in where))
            while rows := cursor.fetchmany(batch):
                yield from rows
        finally:
            cursor.close()
            dbapi.rollback() if engine.dialect.name == "postgresql" else dbapi.execute("ROLLBACK")
    finally:
        raw.close()
