"""Engines for the two backends: SQLite (the embedded default) and PostgreSQL."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

# the execution options of a unit of work that only reads (db.uow): PostgreSQL's own, and ours,
# which SQLite's "begin" below reads
READ_ONLY = {"postgresql_readonly": True, "incubase_read_only": True}


def make_engine(url: str, *, pgbouncer: bool = False, **kwargs) -> Engine:
    """`pgbouncer`: PostgreSQL is reached through PgBouncer in transaction pooling, where a statement
    prepared on one server connection is unknown on the next: psycopg then prepares none (its default
    prepares a statement run five times on a connection, and the driver path runs the same few
    statements all the time). `pool_size`/`max_overflow` (PostgreSQL) come from the settings."""
    if url.startswith("sqlite"):
        # one writer, and no server to budget connections for: the pool figures are PostgreSQL's
        kwargs.pop("pool_size", None), kwargs.pop("max_overflow", None)
        return _sqlite(url, **kwargs)
    if pgbouncer:
        kwargs["connect_args"] = {**kwargs.get("connect_args", {}), "prepare_threshold": None}
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite(url: str, **kwargs) -> Engine:
    database = sa.engine.make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # let SQLAlchemy, not pysqlite, decide where transactions begin (see "begin" below)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # take the write lock at the start: a unit of work reads the case version and then
        # writes, and a deferred transaction would fail to upgrade its lock under contention
        # on the driver's connection: SQLAlchemy's execution path costs more than the statement.
        # A reading unit of work begins deferred: in WAL mode it reads a snapshot, never blocking
        # a writer nor waiting for one
        read_only = conn.get_execution_options().get("incubase_read_only", False)
        conn.connection.dbapi_connection.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine
