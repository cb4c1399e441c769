"""The driver path (db/driver_path.py, db/event_reader.py) against SQLAlchemy's own execution, on
both backends: the SQL and the converted parameters it hands the driver, the rows it writes and
reads, the errors it raises. It is built on SQLAlchemy's public API only; what it has to agree
with is SQLAlchemy's execution, so an upgrade that changes either fails here, naming the version.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from db import repository as r
from db import tables as t
from db.driver_path import DriverStatement
from tests.integration.test_storage_contract import recognize

UPGRADE = f"SQLAlchemy {sa.__version__} executes this statement otherwise than db/driver_path.py does"
NOW = datetime(2024, 9, 2, 2, 0, 0, 123456, tzinfo=UTC)


def _comparable(value):
    # psycopg's Jsonb / Json wrappers (the dialect's bind processors) compare by what they wrap
    wrapped = getattr(value, "obj", None)
    return (type(value).__name__, wrapped) if wrapped is not None else value


def _sent(params):
    if isinstance(params, dict):
        return {k: _comparable(v) for k, v in params.items()}
    return tuple(_comparable(v) for v in params)


class Capture:
    """What SQLAlchemy's execution hands the driver (the `before_cursor_execute` event)."""

    def __init__(self, conn) -> None:
        self.conn, self.calls = conn, []

    def __enter__(self):
        sa.event.listen(self.conn, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.conn, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.calls.append((statement, parameters))


def _as_driver_path_sends(stmt: DriverStatement, conn, values: dict) -> tuple[str, object]:
    sql, positional, binds, _ = stmt._prepare(conn.dialect)
    return sql, stmt._params(positional, binds, values)


def _assert_sent_alike(stmt: DriverStatement, conn, values: dict) -> None:
    """Executes `stmt` as SQLAlchemy does, in a savepoint rolled back, and compares what it sent."""
    with Capture(conn) as seen:
        savepoint = conn.begin_nested()
        conn.execute(stmt.statement, values)
        savepoint.rollback()
    sa_sql, sa_params = next(c for c in seen.calls if not c[0].startswith(("SAVEPOINT", "ROLLBACK", "RELEASE")))
    sql, params = _as_driver_path_sends(stmt, conn, values)
    assert sql == sa_sql, f"{UPGRADE}: SQL\n{sql}\n!=\n{sa_sql}"
    assert _sent(params) == _sent(sa_params), f"{UPGRADE}: parameters of {sql}"


@pytest.fixture
def case_id(rt, clock) -> str:
    return recognize(rt, clock)


def _event_values(conn, case_id: str) -> dict:
    version = conn.execute(sa.select(t.cases.c.version).where(t.cases.c.id == case_id)).scalar_one()
    return {"case_id": case_id, "seq": version + 1, "act": "record_assessment", "on": date(2024, 9, 2),
            "recorded_at": NOW, "actor": "caseworker.wang", "reason": "考核合格", "rule": "R8",
            "policy_id": "p", "policy_version": 1, "payload": {"outcome": "pass", "n": 10**20, "note": "合格"},
            "canonical": "{}", "prev_hash": "0" * 64, "hash": "f" * 64, "hash_algorithm": "sm3"}


def test_the_driver_path_sends_what_sqlalchemy_sends(engine, case_id):
    with engine.connect() as conn, conn.begin():
        timer_id = conn.execute(sa.select(t.timers.c.id).where(t.timers.c.case_id == case_id)
                                .order_by(t.timers.c.id).limit(1)).scalar_one()
        stored = dict(conn.execute(sa.select(*[t.cases.c[k] for k in r._CASE_COLUMNS])
                                   .where(t.cases.c.id == case_id)).one()._mapping)
        save_values = {"_id": case_id, "_version": 3, "state": "assessed", "version": 4,
                       "period_start": date(2024, 1, 1), "snapshot": {"a": [1, "二"], "b": None},
                       "updated_at": NOW}
        for stmt, values in [
            (r._GET, {"id": case_id}),
            (r._GET_LOCKED, {"id": case_id}),
            (r._TIMERS_OF, {"case_id": case_id}),
            (r._save(("state", "version", "period_start", "snapshot", "updated_at")), save_values),
            (r._save(tuple(r._CASE_COLUMNS)), {**stored, **save_values, "period_end": None}),
            (r._INSERT_EVENT, _event_values(conn, case_id)),
            (r._INSERT_TIMER, {"case_id": case_id, "kind": "assessment", "key": "9.9", "due_on": date(2028, 6, 12),
                               "fires_on": date(2028, 6, 13), "provisional": True, "created_at": NOW}),
            (r._MOVE_TIMER, {"_id": timer_id, "due_on": date(2029, 1, 1), "fires_on": date(2029, 1, 2),
                             "provisional": False}),
            (r._DROP_TIMER, {"_id": timer_id}),
            (r._CLAIM_NEXT[False], {"as_of": date(2030, 1, 1), "fired_at": NOW}),
            (r._CLAIM_NEXT[True], {"as_of": date(2030, 1, 1), "fired_at": NOW, "after_on": date(2024, 1, 1),
                                   "after_id": 0}),
        ]:
            _assert_sent_alike(stmt, conn, values)


def test_the_driver_path_writes_and_reads_what_sqlalchemy_writes_and_reads(engine, case_id):
    events, timers = t.case_events, t.timers
    with engine.connect() as conn, conn.begin():
        values = _event_values(conn, case_id)
        timer = {"case_id": case_id, "kind": "assessment", "key": "9.9", "due_on": date(2028, 6, 12),
                 "fires_on": date(2028, 6, 13), "provisional": True, "created_at": NOW}
        written = []
        for write in (lambda: (conn.execute(events.insert(), values), conn.execute(timers.insert(), timer)),
                      lambda: (r._INSERT_EVENT.run_many(conn, [values]), r._INSERT_TIMER.run_many(conn, [timer]))):
            savepoint = conn.begin_nested()
            write()
            written.append((
                conn.execute(sa.select(*[c for c in events.c if c.key != "id"])
                             .where(events.c.case_id == case_id, events.c.seq == values["seq"])).one(),
                conn.execute(sa.select(*[c for c in timers.c if c.key != "id"])
                             .where(timers.c.case_id == case_id, timers.c.key == "9.9")).one(),
                # and as the stored text, so equality is byte for byte
                conn.execute(sa.text("SELECT CAST(payload AS TEXT), recorded_at FROM case_events "
                                     "WHERE case_id = :c AND seq = :s"), {"c": case_id, "s": values["seq"]}).one(),
                conn.execute(sa.text("SELECT due_on, provisional, created_at FROM timers WHERE case_id = :c "
                                     "AND key = '9.9'"), {"c": case_id}).one(),
            ))
            savepoint.rollback()
        assert written[0] == written[1], UPGRADE

        for stmt, values in [(r._GET_LOCKED, {"id": case_id}), (r._TIMERS_OF, {"case_id": case_id}),
                             # issue 16: an UPDATE … RETURNING's rows converted as a SELECT's (its dates)
                             (r._CLAIM_NEXT[False], {"as_of": date(2030, 1, 1), "fired_at": NOW}),
                             (r._CLAIM_NEXT[True], {"as_of": date(2030, 1, 1), "fired_at": NOW,
                                                    "after_on": date(2024, 1, 1), "after_id": 0})]:
            savepoint = conn.begin_nested()
            expected = [tuple(row) for row in conn.execute(stmt.statement, values)]
            savepoint.rollback()
            got = stmt.rows(conn, values)
            assert got == expected and got, UPGRADE
            assert [[type(v) for v in row] for row in got] == [[type(v) for v in row] for row in expected], UPGRADE

        before = conn.execute(sa.select(t.cases.c.version).where(t.cases.c.id == case_id)).scalar_one()
        assert r._save(("version",)).run(conn, {"_id": case_id, "_version": before, "version": before + 1}) == 1
        assert r._save(("version",)).run(conn, {"_id": case_id, "_version": before, "version": before + 1}) == 0


def test_a_driver_error_is_the_one_sqlalchemy_raises(engine, case_id):
    with engine.connect() as conn, conn.begin():
        taken = {**_event_values(conn, case_id), "seq": 1}  # (case_id, seq) is unique
        savepoint = conn.begin_nested()
        with pytest.raises(sa.exc.DBAPIError) as by_sqlalchemy:
            conn.execute(t.case_events.insert(), taken)
        savepoint.rollback()
        for run in (lambda: r._INSERT_EVENT.run_many(conn, [taken]),
                    lambda: r._INSERT_EVENT.run_many(conn, [taken, {**taken, "seq": 2}])):
            savepoint = conn.begin_nested()
            with pytest.raises(sa.exc.DBAPIError) as by_driver_path:
                run()
            savepoint.rollback()
            assert type(by_driver_path.value) is type(by_sqlalchemy.value) is sa.exc.IntegrityError, UPGRADE
            assert type(by_driver_path.value.orig) is type(by_sqlalchemy.value.orig), UPGRADE
            assert by_driver_path.value.statement == by_sqlalchemy.value.statement, UPGRADE


_scratch = sa.MetaData()
_things = sa.Table("things", _scratch, sa.Column("id", sa.Integer, primary_key=True),
                   sa.Column("name", sa.String(10)), sa.Column("n", sa.Integer, default=0, onupdate=1))


@pytest.mark.parametrize("statement, keys, why", [
    (sa.select(_things.c.name).where(_things.c.id.in_(sa.bindparam("ids", expanding=True))), (), "per execution"),
    (sa.select(_things.c.name).where(_things.c.id == 5), (), "no named bindparam"),
    (_things.insert(), ("id", "name"), "Python-side defaults"),
    (_things.update().where(_things.c.id == sa.bindparam("_id")), ("name",), "Python-side defaults"),
], ids=["expanding", "anonymous", "insert-default", "onupdate"])
def test_a_statement_it_cannot_run_as_sqlalchemy_would_is_refused(engine, statement, keys, why):
    with pytest.raises(NotImplementedError, match=why):
        DriverStatement(statement, keys)._prepare(engine.dialect)


def test_a_statement_setting_the_defaulted_columns_itself_is_accepted(engine):
    stmt = DriverStatement(_things.insert(), ("id", "name", "n"))
    sql = stmt._prepare(engine.dialect)[0]
    assert sql.startswith("INSERT INTO things")
