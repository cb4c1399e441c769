"""The README's "when one machine is not enough", run as written: a Prefect server on PostgreSQL,
incubase on PostgreSQL in deployment mode, a process work pool, `prefect deploy --all` from the repository
root, the automations and a worker; then a run of a deployment, created through Prefect's API, does its
work in incubase's PostgreSQL database.

Skipped, loudly, only when no PostgreSQL server answers (as the PostgreSQL half of the suite).
"""
from __future__ import annotations

import re
import shlex
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.acceptance.conftest import CHECKOUT, VENV_BIN, Service, run, wait_until
from tests.acceptance.prefect_cluster import (
    SERVER_COMMAND,
    client_env,
    postgresql_databases,
    prefect_server_on_postgresql,
    run_all,
    stop,
)

# the README's block, line for line (test_readme_commands checks that it still says so)
README_LINES = [
    "export PREFECT_API_DATABASE_CONNECTION_URL=postgresql+asyncpg://prefect@db.internal/prefect",
    SERVER_COMMAND,
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
    with postgresql_databases("prefect", "incubase") as urls:
        yield urls


def test_the_readme_block_is_as_this_test_runs_it():
    text = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```sh\n(.*?)```", text, re.DOTALL) if "prefect deploy --all" in b)
    commands = [re.sub(r"\s+#\s.*$", "", line).strip() for line in block.splitlines()]
    assert [c for c in commands if c and c != ".venv/bin/incubase db upgrade"] == README_LINES


def test_workers_run_the_deployed_flows_against_postgresql(databases, tmp_path):
    worker = None
    with prefect_server_on_postgresql(databases["prefect"], tmp_path, README_LINES[1]) as server:
        prefect = server.api
        try:
            # the deploying machine and the workers: the same settings
            env = client_env(server, databases["incubase"], tmp_path / "client")
            run_all([([VENV_BIN / "incubase", "db", "upgrade"], tmp_path),
                     ([VENV_BIN / "incubase", "demo"], tmp_path),
                     ([VENV_BIN / "prefect", *shlex.split(README_LINES[4])[1:]], tmp_path),
                     ([VENV_BIN / "prefect", *shlex.split(README_LINES[5])[1:]], CHECKOUT),  # the repository root
                     ([VENV_BIN / "incubase", *shlex.split(README_LINES[6])[1:]], tmp_path)], env)
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
        finally:
            stop(worker)  # before the server, as an operator would
