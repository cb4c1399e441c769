"""Core statements run on the driver's cursor, for the few an act runs every time.

Executing a prepared statement through SQLAlchemy cost ~10 µs of Python a statement on top of
the driver (more on PostgreSQL), the largest share an act's six statements had left (bench b1).
Here a statement is compiled once per dialect and its parameters and result columns go through
the dialect's own bind and result processors, so what is written and read is what
`conn.execute(statement)` would have written and read. It runs inside the caller's transaction.

Only SQLAlchemy's public, documented API is used (SQLAlchemy 2.0; the test that holds it to
`conn.execute` is tests/integration/test_driver_path.py):

- the SQL: `Compiled.string`; the order of positional parameters:
  `SQLCompiler.construct_expanded_state(...).positiontup` (`ExpandedState`, new in 2.0), the names
  of named ones: the keys of `Compiled.params`;
- the type of each parameter: the statement's own `bindparam()`s (`sql.visitors.iterate`) and,
  for the columns an INSERT or UPDATE sets, `Table.c[key].type`; the conversions:
  `TypeEngine.dialect_impl(dialect).bind_processor(dialect)` / `.result_processor(dialect, None)`;
- the driver's connection: `Connection.connection.driver_connection`; its errors wrapped in the
  `sqlalchemy.exc` class of the same PEP 249 name (`Dialect.dbapi_exception_translation_map`),
  as SQLAlchemy's execution does.

A statement this cannot run exactly as SQLAlchemy would is refused when first prepared, loudly:
one whose SQL depends on its parameters (expanding IN), a parameter of no known type (e.g. an
anonymous literal), a column default computed in Python.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import ClauseElement, visitors

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
            prepared = self._prepared[key] = self._compile(dialect)
        return prepared

    def _compile(self, dialect: Dialect) -> tuple:
        """(sql, positional, [(name, bind processor)] in the driver's order, result processors)."""
        refused = _python_side_defaults(self.statement, self.keys)
        if refused:  # SQLAlchemy's execution would compute these; the driver would leave them out
            raise NotImplementedError(f"{self.statement}: columns with Python-side defaults not set: {refused}")
        compiled = self.statement.compile(dialect=dialect, column_keys=self.keys or None)
        values = compiled.params  # every parameter the SQL names, keyed as the SQL names them
        expanded = compiled.construct_expanded_state(values)
        if expanded.statement != compiled.string:
            raise NotImplementedError(f"{compiled.string}: its SQL is rendered per execution")
        names = list(expanded.positiontup) if dialect.positional else list(values)
        types = _parameter_types(self.statement, self.keys)
        untyped = [n for n in names if n not in types]
        if untyped:
            raise NotImplementedError(f"{compiled.string}: parameters of no named bindparam or column: {untyped}")
        binds = [(n, types[n].dialect_impl(dialect).bind_processor(dialect)) for n in names]
        # a SELECT's columns, or those an UPDATE … RETURNING returns
        columns = self.statement.exported_columns if isinstance(self.statement, sa.Select | sa.Update) else ()
        results = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
        return (compiled.string, dialect.positional, binds,
                results if any(p is not None for p in results) else None)

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
            if len(params) == 1:  # psycopg's executemany sets up a pipeline, dearer for one row
                with _as_sqlalchemy_error(conn, sql, params[0]):
                    cursor.execute(sql, params[0])
            else:
                with _as_sqlalchemy_error(conn, sql, params, many=True):
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
        # only the columns that have a processor, by position: a generator over every column of every
        # row cost as much as the fetch (`audit verify` reads its projection rows here, bench b7)
        converted = [(i, p) for i, p in enumerate(results) if p is not None]
        out = []
        for row in rows:
            values_ = list(row)
            for i, p in converted:
                v = values_[i]
                if v is not None:
                    values_[i] = p(v)
            out.append(tuple(values_))
        return out


def _parameter_types(statement: ClauseElement, keys: Sequence[str]) -> dict[str, sa.types.TypeEngine]:
    """The type of each parameter the compiled statement names: the statement's explicitly named
    bindparams (an anonymous one is compiled under another name, so it stays untyped and refused)
    and the columns an INSERT or UPDATE sets, whose parameters SQLAlchemy names by column key."""
    types: dict[str, sa.types.TypeEngine] = {}
    for element in visitors.iterate(statement):
        if isinstance(element, sa.BindParameter):
            types.setdefault(element.key, element.type)
    if keys:
        table = statement.table
        types.update((k, table.c[k].type) for k in keys)
    return types


def _python_side_defaults(statement: ClauseElement, keys: Sequence[str]) -> list[str]:
    """Columns an INSERT (`default`) or UPDATE (`onupdate`) would have SQLAlchemy fill in."""
    if isinstance(statement, sa.Insert):
        attribute = "default"
    elif isinstance(statement, sa.Update):
        attribute = "onupdate"
    else:
        return []
    return [c.key for c in statement.table.columns if c.key not in keys and getattr(c, attribute) is not None]


@contextmanager
def _as_sqlalchemy_error(conn: Connection, sql: str, params: Any, many: bool = False) -> Iterator[None]:
    # callers see the errors conn.execute raises (sa.exc.IntegrityError, OperationalError, …)
    dialect = conn.dialect
    try:
        yield
    except dialect.loaded_dbapi.Error as err:
        raise _wrapped(dialect, err, sql, params, many) from err


def _wrapped(dialect: Dialect, err: Exception, sql: str, params: Any, many: bool) -> exc.DBAPIError:
    """The `sqlalchemy.exc` class named as the driver's error or its nearest PEP 249 base
    (sqlite3.IntegrityError, psycopg.errors.UniqueViolation → sa.exc.IntegrityError)."""
    renamed = dialect.dbapi_exception_translation_map
    for cls in type(err).__mro__:
        name = renamed.get(cls.__name__, cls.__name__)
        wrapper = getattr(exc, name, None)
        if isinstance(wrapper, type) and issubclass(wrapper, exc.DBAPIError):
            return wrapper(sql, params, err, ismulti=many)
    return exc.DBAPIError(sql, params, err, ismulti=many)
