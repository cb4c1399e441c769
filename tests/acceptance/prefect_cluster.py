"""The README's "when one machine is not enough" set-up, as the scale-out acceptance tests start it:
two empty PostgreSQL databases (Prefect's, with pg_trgm, and incubase's), `incubase prefect-server` on
the first, the client settings every deploying and worker machine shares, the deployment steps, and
workers. Shared by test_scale_out.py (one worker) and test_sweep_workers.py (two workers).
"""
from __future__ import annotations

import contextlib
import shlex
import signal
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.acceptance.conftest import STARTUP_SECONDS, VENV_BIN, PrefectApi, Service, clean_env, run, wait_until
from tests.conftest import PG_URL, _pg_problem
from tests.net import free_port, port_open

# the README's line (test_scale_out.README_LINES[1] checks it is still the README's)
SERVER_COMMAND = ".venv/bin/incubase prefect-server --host 0.0.0.0 --port 4200"


@contextlib.contextmanager
def postgresql_databases(*roles: str) -> Iterator[dict[str, sa.URL]]:
    """One empty PostgreSQL database per role, as a DBA hands them over ("prefect" gets pg_trgm);
    dropped afterwards. Skips, loudly, when no PostgreSQL server answers."""
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        _pg_problem.append(f"{PG_URL}: {str(exc.orig).strip().splitlines()[0]}")
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable ({_pg_problem[-1]}): the scale-out was NOT tested")
    suffix = uuid.uuid4().hex[:10]
    names = {role: f"acceptance_{role}_{suffix}" for role in roles}
    url = sa.engine.make_url(PG_URL)
    try:
        with admin.connect() as conn:
            for name in names.values():
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        if "prefect" in names:
            prefects = sa.create_engine(url.set(database=names["prefect"]))
            with prefects.begin() as conn:
                conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            prefects.dispose()
        yield {role: url.set(database=name) for role, name in names.items()}
    finally:
        with admin.connect() as conn:
            for name in names.values():
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def as_url(url: sa.URL, driver: str) -> str:
    """The URL with its password, for another process's settings."""
    return url.set(drivername=driver).render_as_string(hide_password=False)


@dataclass
class PrefectServer:
    api: PrefectApi
    port: int
    service: Service


@contextlib.contextmanager
def prefect_server_on_postgresql(prefect_db: sa.URL, where: Path,
                                 command: str = SERVER_COMMAND) -> Iterator[PrefectServer]:
    """The README's server command on the given database, on the loopback interface and a free port,
    healthy; stopped with Ctrl-C afterwards (killed if it will not stop)."""
    port = free_port()
    env = clean_env(PREFECT_API_DATABASE_CONNECTION_URL=as_url(prefect_db, "postgresql+asyncpg"),
                    PREFECT_HOME=str(where / "server"))
    args = shlex.split(command.replace("0.0.0.0", "127.0.0.1").replace("4200", str(port)))
    service = Service.start([VENV_BIN / "incubase", *args[1:]], where, env, where / "server.log")
    api = PrefectApi(f"http://127.0.0.1:{port}/api")
    try:
        wait_until(lambda: port_open(port), STARTUP_SECONDS, "the Prefect server on PostgreSQL listening")
        wait_until(lambda: api.http.get("/health").status_code == 200, STARTUP_SECONDS, "Prefect healthy")
        yield PrefectServer(api, port, service)
    finally:
        api.http.close()
        stop(service)
    assert not port_open(port)


def client_env(server: PrefectServer, incubase_db: sa.URL, home: Path, **settings: str) -> dict[str, str]:
    """The settings the deploying machine and every worker machine share (README block)."""
    return clean_env(PREFECT_API_URL=f"http://127.0.0.1:{server.port}/api", INCUBASE_MODE="deployment",
                     INCUBASE_DATABASE_URL=as_url(incubase_db, "postgresql+psycopg"), PREFECT_HOME=str(home),
                     **settings)


def run_all(steps: Sequence[tuple[Sequence[str | Path], Path]], env: dict[str, str]) -> None:
    """Runs each (command, working directory) in turn; each must succeed."""
    for args, cwd in steps:
        done = run(args, cwd, env, timeout=180)
        assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"


def stop(*services: Service | None) -> None:
    """Ctrl-C in each operator's terminal, then whatever is left of them killed."""
    for service in services:
        if service is not None and service.process.poll() is None:
            with contextlib.suppress(Exception):
                service.interrupt(signal.SIGINT, seconds=60)
    for service in services:
        if service is not None and service.process.poll() is None:
            service.kill()
