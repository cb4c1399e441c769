"""Issue 16, PgBouncer in transaction pooling (INCUBASE_PGBOUNCER=true, db/engine.py): psycopg then prepares
no statement on the server — in transaction pooling a statement prepared on one server connection is
unknown on the next one the pooler hands out — and acts (the driver path, db/driver_path.py) run as
they do directly, through a real PgBouncer when one is installed (/usr/sbin/pgbouncer).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy as sa

from bootstrap.readiness import engine_for
from config import Settings
from db.uow import SqlUnitOfWork
from services.audit import verify_case
from services.calendars import default_calendar
from services.runtime import Runtime
from tests.conftest import PG_SKIPPED, FakeClock, own_postgres_database
from tests.integration.test_storage_contract import recognize
from tests.net import free_port, port_open
from tests.policy_variants import scenario_policies

pytestmark = pytest.mark.postgres
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


@pytest.fixture
def pg_database():
    try:
        with own_postgres_database("incubase_pgbouncer") as url:
            yield url
    except sa.exc.OperationalError:
        pytest.skip(PG_SKIPPED)


def _runtime(engine) -> Runtime:
    clock = FakeClock(datetime(2024, 9, 2, 2, 0, tzinfo=UTC))
    return Runtime(uow=partial(SqlUnitOfWork, engine, clock), clock=clock, policies=scenario_policies(),
                   calendar=default_calendar())


def _prepared_after_acts(url: str, *, pgbouncer: bool) -> int:
    """Statements prepared on the server by one connection that recorded three cases' acts."""
    engine = engine_for(Settings(_env_file=None, database_url=url, pgbouncer=pgbouncer,  # type: ignore[call-arg]
                                 db_pool_size=1, db_max_overflow=0))
    try:
        rt = _runtime(engine)
        for seed in (1, 2, 3) if pgbouncer else (4, 5, 6):
            recognize(rt, rt.clock, seed=seed, base=f"贵阳市第{seed}创业园")
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()
    finally:
        engine.dispose()


def test_issue16_with_the_pgbouncer_setting_no_statement_is_prepared_on_the_server(pg_database):
    assert _prepared_after_acts(pg_database, pgbouncer=False) > 0  # psycopg's default: what breaks PgBouncer
    assert _prepared_after_acts(pg_database, pgbouncer=True) == 0


@pytest.fixture
def pgbouncer(pg_database):
    """A PgBouncer in transaction pooling in front of the test server, two server connections for all clients."""
    if not Path(PGBOUNCER).exists():
        pytest.skip("PgBouncer is not installed (apt-get install pgbouncer): the pooler itself was NOT tested")
    target = sa.engine.make_url(pg_database)
    # its own directory readable by the unprivileged user PgBouncer switches to when started as root
    where = Path(tempfile.mkdtemp(prefix="incubase-pgbouncer-"))
    where.chmod(0o777)
    port = free_port()
    (where / "users.txt").write_text(f'"{target.username}" ""\n')
    (where / "pgbouncer.ini").write_text(f"""[databases]
{target.database} = host={target.host} port={target.port or 5432} dbname={target.database}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {where / 'users.txt'}
pool_mode = transaction
default_pool_size = 2
max_client_conn = 50
logfile = {where / 'pgbouncer.log'}
""")
    for file in where.iterdir():
        file.chmod(0o666)
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    process = subprocess.Popen([PGBOUNCER, *user, str(where / "pgbouncer.ini")], stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(100):
            if port_open(port) or process.poll() is not None:
                break
            threading.Event().wait(0.1)
        assert port_open(port), (process.poll(), (where / "pgbouncer.log").read_text(errors="replace")[-2000:])
        yield target.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(where, ignore_errors=True)


def test_issue16_acts_run_through_pgbouncer_in_transaction_pooling(pgbouncer):
    """Four threads, each on connections of its own, share PgBouncer's two server connections: every
    transaction may land on another server connection, which a prepared statement would not survive
    (without the setting this test fails: `prepared statement "_pg3_0" already exists`)."""
    engine = engine_for(Settings(_env_file=None, database_url=pgbouncer, pgbouncer=True,  # type: ignore[call-arg]
                                 db_pool_size=4, db_max_overflow=0))
    recorded: list[tuple[Runtime, str]] = []
    errors: list[BaseException] = []

    def record(first: int) -> None:
        rt = _runtime(engine)
        try:
            for seed in range(first, first + 3):
                recorded.append((rt, recognize(rt, rt.clock, seed=seed, base=f"贵阳市第{seed}创业园")))
        except BaseException as exc:  # noqa: BLE001 — reported below, with the others
            errors.append(exc)

    try:
        threads = [threading.Thread(target=record, args=(first,)) for first in (1, 11, 21, 31)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert not errors, errors
        assert len(recorded) == 12
        for rt, case_id in recorded:
            assert verify_case(rt, case_id, chain_only=True).ok, case_id  # the hash chains intact
    finally:
        engine.dispose()
