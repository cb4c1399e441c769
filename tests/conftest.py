"""Fixtures shared by the suite: a clock that travels, and storage on SQLite and PostgreSQL.

Every test that takes `rt` (or `engine`) runs twice, once per backend. The PostgreSQL half runs
against INCUBASE_TEST_POSTGRES_URL in a database of its own, created and migrated once per
session; it is skipped only when no server answers, and the run says so loudly at the end.

A test marked `memory` (or in a module so marked) that takes `rt` but not `engine` also runs a
third time, on the in-memory storage of tests/fakes/memory.py: the services against the ports
alone, no database. A test asks for one backend with parametrize("backend", [...], indirect=True).
"""
from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from db.engine import make_engine
from db.migrate import upgrade
from db.tables import metadata
from db.uow import SqlUnitOfWork
from services import passwords
from services.calendars import default_calendar
from services.runtime import Runtime
from tests.fakes.memory import MemoryStore, MemoryUnitOfWork
from tests.policy_variants import scenario_policies

PG_URL = os.environ.get("INCUBASE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SHANGHAI = ZoneInfo("Asia/Shanghai")
PG_SKIPPED = "PostgreSQL not reachable"
_pg_problem: list[str] = []


class FakeClock:
    """The wall clock of a test: set to a business day, or moved on by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set_day(self, day: date, at: time = time(10, 0)) -> None:
        moment = datetime.combine(day, at, tzinfo=SHANGHAI).astimezone(UTC)
        self.now = max(self.now + timedelta(microseconds=1), moment)


# services.passwords hashes at OWASP's scrypt cost, N=2^17: ~0.6 s and 128 MiB a hash here. The in-process
# tests sign in thousands of times and spent 40 % of the suite's time hashing; they hash at N=2^10.
# The product's cost is what the console-script and `make run` tests (subprocesses) sign in against,
# and what tests/unit/test_passwords.py and the tests taking `product_password_cost` prove.
PRODUCT_SCRYPT_N = passwords.SCRYPT_N


@contextmanager
def scrypt_cost(n: int) -> Iterator[None]:
    """services.passwords hashing at N=`n`, its dummy hash (made at the cost in force) made again."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "SCRYPT_N", n)
        passwords.dummy_hash.cache_clear()
        try:
            yield
        finally:
            passwords.dummy_hash.cache_clear()


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashes() -> Iterator[None]:
    with scrypt_cost(2**10):
        yield


@pytest.fixture
def product_password_cost() -> Iterator[None]:
    """The product's scrypt cost for one test, not the suite's cheap one."""
    with scrypt_cost(PRODUCT_SCRYPT_N):
        yield


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2022, 1, 1, 2, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@contextmanager
def own_postgres_database(prefix: str, hash_algorithm: str | None = None, **creation) -> Iterator[str]:
    """The URL of a new database on PG_URL's server, migrated to the head (created with
    `hash_algorithm`, and db.migrate.upgrade's other `creation` choices, where given), dropped
    afterwards; raises sqlalchemy's OperationalError when no server answers."""
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        try:
            upgrade(url, hash_algorithm=hash_algorithm, **creation)
            yield url
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def append_only_lifted(engine, table: str) -> Iterator[None]:
    """The table's append-only triggers (migrations 0004, 0011) dropped, as an administrator with DDL
    rights could, and restored after: for the tests of what verification finds then."""
    pg = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if pg:
            conn.execute(sa.text(f"DROP TRIGGER {table}_append_only ON {table}"))
        else:
            for verb in ("update", "delete"):
                conn.execute(sa.text(f"DROP TRIGGER {table}_no_{verb}"))
    try:
        yield
    finally:
        with engine.begin() as conn:
            if pg:
                conn.execute(sa.text(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                                     "FOR EACH ROW EXECUTE FUNCTION incubase_refuse_change()"))
            else:
                for verb in ("UPDATE", "DELETE"):
                    conn.execute(sa.text(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                                         f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"))


def own_database_url(backend: str, tmp_path, sqlite_template, prefix: str) -> Iterator[str]:
    """The URL of a migrated database of a test's own on `backend` (for tests that migrate it down
    and up again): a copy of the session's SQLite template, or a new PostgreSQL database."""
    if backend == "sqlite":
        path = tmp_path / "own.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    try:
        with own_postgres_database(prefix) as url:
            yield url
    except sa.exc.OperationalError:
        pytest.skip(PG_SKIPPED)


@pytest.fixture(scope="session")
def pg_url():
    try:
        with own_postgres_database("incubase_test") as url:
            yield url
    except sa.exc.OperationalError as exc:
        _pg_problem.append(f"{PG_URL}: {str(exc.orig).strip().splitlines()[0]}")
        yield None


SQL_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_generate_tests(metafunc):
    """`backend` over SQLite and PostgreSQL, and the in-memory storage for the tests marked
    `memory` that read no database of their own; a test's own parametrize("backend") wins."""
    if "backend" not in metafunc.fixturenames or any(
            "backend" in _argnames(mark) for mark in metafunc.definition.iter_markers("parametrize")):
        return
    memory = metafunc.definition.get_closest_marker("memory") and "engine" not in metafunc.fixturenames
    metafunc.parametrize("backend", [*SQL_BACKENDS, "memory"] if memory else SQL_BACKENDS, indirect=True)


def _argnames(mark) -> list[str]:
    names = mark.args[0] if mark.args else mark.kwargs.get("argnames", ())
    return [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)


@pytest.fixture
def backend(request) -> str:
    """Which storage `rt` and `engine` use: sqlite, postgres or memory."""
    return request.param


# One engine per backend and process, its database emptied for each test: an engine compiles each
# statement once (its compiled cache is keyed by the engine's dialect), and a new engine for every test
# compiled them all again — ~5 % of the in-process tests' time. Between tests its connections are
# closed (dispose), so each test connects anew, as it did with an engine of its own.
@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory) -> Iterator[tuple[Path, sa.Engine]]:
    path = tmp_path_factory.mktemp("database") / "incubase.db"
    eng = make_engine(f"sqlite:///{path}")
    yield path, eng
    eng.dispose()


@pytest.fixture(scope="session")
def postgres_engine(pg_url) -> Iterator[sa.Engine | None]:
    if pg_url is None:
        yield None
        return
    eng = make_engine(pg_url)
    yield eng
    eng.dispose()


@pytest.fixture
def engine(request, backend, sqlite_template):
    if backend == "memory":
        pytest.fail("a test that reads the database with SQL cannot run on the in-memory storage")
    if backend == "sqlite":
        path, eng = request.getfixturevalue("sqlite_engine")
        eng.dispose()
        for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copy(sqlite_template, path)
    else:
        eng = request.getfixturevalue("postgres_engine")
        if eng is None:
            pytest.skip(f"{PG_SKIPPED} ({_pg_problem[0]})")
        with eng.begin() as conn:
            names = ", ".join(t.name for t in metadata.sorted_tables)
            conn.execute(sa.text(f"TRUNCATE {names} CASCADE"))
    yield eng
    eng.dispose()


@pytest.fixture
def rt(request, backend, clock) -> Runtime:
    if backend == "memory":
        uow = partial(MemoryUnitOfWork, MemoryStore(), clock)
    else:
        uow = partial(SqlUnitOfWork, request.getfixturevalue("engine"), clock)
    return Runtime(uow=uow, clock=clock, policies=scenario_policies(), calendar=default_calendar())


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    # under pytest-xdist the skips happen in the workers: their reports, not this process's state, say so
    problems = [*_pg_problem, *(reason for reason in _skip_reasons(terminalreporter) if PG_SKIPPED in reason)]
    if problems:
        bar = "!" * 100
        terminalreporter.write_line(bar, red=True, bold=True)
        terminalreporter.write_line(
            f"POSTGRESQL NOT REACHABLE — the PostgreSQL half of the suite was SKIPPED: {problems[0]}",
            red=True, bold=True)
        terminalreporter.write_line(bar, red=True, bold=True)


def _skip_reasons(terminalreporter) -> list[str]:
    return [str(report.longrepr[-1]) for report in terminalreporter.stats.get("skipped", [])
            if isinstance(report.longrepr, tuple)]
