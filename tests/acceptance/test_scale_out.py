"""The README's "when one machine is not enough", run as written: a Prefect server on PostgreSQL,
incubase on PostgreSQL in deployment mode, a process work pool, `prefect deploy --all` from the repository
root, the automations and a worker; then a run of a deployment, created through Prefect's API, does its
work in incubase's PostgreSQL database.

Skipped, loudly, only when no PostgreSQL server answers (as the PostgreSQL half of the suite).
"""
from __future__ import annotations

import re
import shlex
import signal
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.acceptance.conftest import (
    CHECKOUT,
    STARTUP_SECONDS,
    VENV_BIN,
    PrefectApi,
    Service,
    clean_env,
    run,
    wait_until,
)
from tests.conftest import PG_URL, _pg_problem
from tests.net import free_port, port_open

# the README's block, line for line (test_readme_commands checks that it still says so)
README_LINES = [
    "export PREFECT_API_DATABASE_CONNECTION_URL=postgresql+asyncpg://prefect@db.internal/prefect",
    ".venv/bin/incubase prefect-server --host 0.0.0.0 --port 4200",
    "export PREFECT_API_URL=http://prefect.internal:4200/api INCUBASE_MODE=deployment",
    "export INCUBASE_DATABASE_URL=postgresql+psycopg://incubase@db.internal/incubase",
    ".venv/bin/prefect work-pool create incubase --type process",
    ".venv/bin/prefect deploy --all",
    ".venv/bin/incubase prefect automations",
    ".venv/bin/prefect worker start --pool incubase --limit 4",
]
SCHEDULED = ("deadline-sweep", "deliver-reminders", "open-application-round", "close-application-round",
             "daily-anchor")


@pytest.fixture(scope="module")
def databases():
    """Two empty PostgreSQL databases, Prefect's (with pg_trgm) and incubase's, as a DBA hands them over."""
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        _pg_problem.append(f"{PG_URL}: {str(exc.orig).strip().splitlines()[0]}")
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable ({_pg_problem[-1]}): the scale-out was NOT tested")
    suffix = uuid.uuid4().hex[:10]
    names = {"prefect": f"acceptance_prefect_{suffix}", "incubase": f"acceptance_incubase_{suffix}"}
    url = sa.engine.make_url(PG_URL)
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    prefects = sa.create_engine(url.set(database=names["prefect"]))
    with prefects.begin() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    prefects.dispose()
    yield {role: url.set(database=name) for role, name in names.items()}
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_the_readme_block_is_as_this_test_runs_it():
    text = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```sh\n(.*?)```", text, re.DOTALL) if "prefect deploy --all" in b)
    commands = [re.sub(r"\s+#\s.*$", "", line).strip() for line in block.splitlines()]
    assert [c for c in commands if c and c != ".venv/bin/incubase db upgrade"] == README_LINES


def test_workers_run_the_deployed_flows_against_postgresql(databases, tmp_path):
    port = free_port()
    prefect_db = databases["prefect"].set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    incubase_db = databases["incubase"].set(drivername="postgresql+psycopg").render_as_string(hide_password=False)

    # the Prefect server's machine
    server_env = clean_env(PREFECT_API_DATABASE_CONNECTION_URL=prefect_db, PREFECT_HOME=str(tmp_path / "server"))
    server_cmd = shlex.split(README_LINES[1].replace("0.0.0.0", "127.0.0.1").replace("4200", str(port)))
    server = Service.start([VENV_BIN / "incubase", *server_cmd[1:]], tmp_path, server_env, tmp_path / "server.log")
    worker = None
    try:
        wait_until(lambda: port_open(port), STARTUP_SECONDS, "the Prefect server on PostgreSQL listening")
        prefect = PrefectApi(f"http://127.0.0.1:{port}/api")
        wait_until(lambda: prefect.http.get("/health").status_code == 200, STARTUP_SECONDS, "Prefect healthy")

        # the deploying machine and the workers: the same settings
        env = clean_env(PREFECT_API_URL=f"http://127.0.0.1:{port}/api", INCUBASE_MODE="deployment",
                        INCUBASE_DATABASE_URL=incubase_db, PREFECT_HOME=str(tmp_path / "client"))
        for args, cwd in (([VENV_BIN / "incubase", "db", "upgrade"], tmp_path),
                          ([VENV_BIN / "incubase", "demo"], tmp_path),
                          ([VENV_BIN / "prefect", *shlex.split(README_LINES[4])[1:]], tmp_path),
                          ([VENV_BIN / "prefect", *shlex.split(README_LINES[5])[1:]], CHECKOUT),  # the repository root
                          ([VENV_BIN / "incubase", *shlex.split(README_LINES[6])[1:]], tmp_path)):
            done = run(args, cwd, env, timeout=180)
            assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
        worker = Service.start([VENV_BIN / "prefect", *shlex.split(README_LINES[7])[1:]], tmp_path, env,
                               tmp_path / "worker.log")

        deployments = prefect.deployments()
        assert set(SCHEDULED) | {"refresh-provisional-dates"} <= set(deployments)
        for name in SCHEDULED:  # the scheduler plans each scheduled deployment's runs
            wait_until(lambda n=name: [r for r in prefect.flow_runs(deployments[n]["id"]) if r["auto_scheduled"]],
                       90, f"a scheduled run of {name}")

        # the daily anchor, run now by a worker: its row lands in incubase's PostgreSQL database
        created = prefect.create_run(deployments["daily-anchor"]["id"])
        finished = prefect.finished(created["id"], 180)
        assert finished["state_type"] == "COMPLETED", (finished["state"], worker.output()[-3000:])
        yesterday = (datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=1)).isoformat()
        anchors = run([VENV_BIN / "incubase", "audit", "anchors", "--check"], tmp_path, env)
        assert anchors.returncode == 0 and re.search(rf"^{yesterday}\s+\d+ ", anchors.stdout, re.MULTILINE), anchors
        prefect.http.close()
    finally:
        for service in (worker, server):
            if service is not None and service.process.poll() is None:
                service.interrupt(signal.SIGINT, seconds=60)  # Ctrl-C in the operator's terminal
        for service in (worker, server):
            if service is not None and service.process.poll() is None:
                service.kill()
    assert not port_open(port)
