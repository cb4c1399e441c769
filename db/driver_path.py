"""Core statements run on the driver's cursor, for the few an act runs every time.

Executing a prepared statement through SQLAlchemy cost ~10 µs of Python a statement on top of
the driver (more on PostgreSQL), the largest share an act's six statements had left (bench b1).
Here a statement is compiled once per dialect and its parameters and result columns go through
the dialect's own bind and result processors, so what is written and read is what
`conn.execute(statement)` would have written and read. It runs inside the caller's transaction.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any]


class DriverStatement:
    """`keys`: the columns an INSERT or UPDATE sets, in the order of each parameter dict."""

    def __init__(self, statement: ClauseElement, keys: Sequence[str] = ()) -> None:
        self.statement, self.keys = statement, list(keys)
        self._prepared: dict[str, tuple] = {}

    def _prepare(self, dialect: Dialect) -> tuple:
        key = f"{dialect.name}+{dialect.driver}"
        prepared = self._prepared.get(key)
        if prepared is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=self.keys or None)
            # a Python-side column default would be computed by SQLAlchemy's execution, not here
            assert not compiled.insert_prefetch and not compiled.update_prefetch, self.statement
            names = list(compiled.positiontup) if dialect.positional else list(compiled.binds)
            binds = [(n, compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect)) for n in names]
            columns = getattr(self.statement, "selected_columns", ())
            results = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
            prepared = (compiled.string, dialect.positional, binds,
                        results if any(p is not None for p in results) else None)
            self._prepared[key] = prepared
        return prepared

    def _params(self, positional: bool, binds: list, values: dict) -> tuple | dict:
        if positional:
            return tuple(values[n] if p is None else p(values[n]) for n, p in binds)
        return {n: values[n] if p is None else p(values[n]) for n, p in binds}

    def _execute(self, conn: Connection, values: dict):
        sql, positional, binds, _ = self._prepare(conn.dialect)
        params = self._params(positional, binds, values)
        with _as_sqlalchemy_error(conn, sql, params):
            return conn.connection.driver_connection.execute(sql, params)

    def run(self, conn: Connection, values: dict) -> int:
        """Executes once; the number of rows it changed."""
        cursor = self._execute(conn, values)
        try:
            return cursor.rowcount
        finally:
            cursor.close()

    def run_many(self, conn: Connection, values: Iterable[dict]) -> None:
        sql, positional, binds, _ = self._prepare(conn.dialect)
        params = [self._params(positional, binds, v) for v in values]
        cursor = conn.connection.driver_connection.cursor()
        try:
            with _as_sqlalchemy_error(conn, sql, params):
                if len(params) == 1:  # psycopg's executemany sets up a pipeline, dearer for one row
                    cursor.execute(sql, params[0])
                else:
                    cursor.executemany(sql, params)
        finally:
            cursor.close()

    def rows(self, conn: Connection, values: dict) -> list[tuple]:
        """The result rows as tuples of Python values."""
        results = self._prepare(conn.dialect)[3]
        cursor = self._execute(conn, values)
        try:
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if results is None:
            return [tuple(r) for r in rows]
        return [tuple(v if p is None or v is None else p(v) for p, v in zip(results, r, strict=True)) for r in rows]


@contextmanager
def _as_sqlalchemy_error(conn: Connection, sql: str, params: Any) -> Iterator[None]:
    # callers see the errors conn.execute raises (sa.exc.IntegrityError, OperationalError, …)
    dbapi = conn.dialect.loaded_dbapi
    try:
        yield
    except dbapi.Error as err:
        raise exc.DBAPIError.instance(sql, params, err, dbapi.Error) from err
