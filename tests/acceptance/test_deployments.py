"""Issue 16, several machines: prefect.yaml's deployments applied from one directory run on a worker started
from another, in the worker's own installation (no path of the deploying machine is stored); a flow run of
a worker that lacks the database URL refuses instead of creating a SQLite file; `incubase prefect
automations` creates the "crash zombie flow runs" automation once, however often it runs; and the console
script in deployment mode refuses a missing database in one line.

Real processes only: `incubase prefect-server` (a Prefect server on SQLite, as the README's is on
PostgreSQL), `prefect deploy --all`, `prefect worker start`, Prefect's REST API.
"""
from __future__ import annotations

import json
import shutil
import signal
from pathlib import Path

import pytest

from tests.acceptance.conftest import (
    CHECKOUT,
    INCUBASE,
    PREFECT,
    STARTUP_SECONDS,
    PrefectApi,
    Service,
    clean_env,
    fresh_clone,
    one_line_refusal,
    run,
    wait_until,
)
from tests.net import free_port, port_open

REFUSAL = "error: deployment mode (INCUBASE_MODE=deployment) needs INCUBASE_DATABASE_URL"
ZOMBIES = "incubase: crash zombie flow runs"


def test_issue16_the_console_script_in_deployment_mode_refuses_a_missing_database(tmp_path):
    assert one_line_refusal(run([INCUBASE, "serve"], tmp_path, clean_env(INCUBASE_MODE="deployment"))
                             ).startswith(REFUSAL)
    missing = tmp_path / "incubase.db"
    env = clean_env(INCUBASE_MODE="deployment", INCUBASE_DATABASE_URL=f"sqlite:///{missing}")
    line = one_line_refusal(run([INCUBASE, "sweep"], tmp_path, env))
    assert line.startswith(f"error: deployment mode: the SQLite database {missing} does not exist"), line
    assert not missing.exists()
    in_chinese = run([INCUBASE, "sweep"], tmp_path, {**env, "LANG": "zh_CN.UTF-8"})
    assert in_chinese.returncode == 2 and in_chinese.stderr.strip() == (
        f"错误：部署模式：SQLite 数据库 {missing} 不存在，也不会新建；"
        "请先以此 INCUBASE_DATABASE_URL 运行 `incubase db upgrade`")
    assert run([INCUBASE, "db", "upgrade"], tmp_path, env).returncode == 0  # the one command that creates it
    assert run([INCUBASE, "sweep"], tmp_path, env).returncode == 0


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    where = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    env = clean_env(PREFECT_HOME=str(where / "home"))
    server = Service.start([INCUBASE, "prefect-server", "--port", str(port)], where, env, where / "server.log")
    try:
        wait_until(lambda: port_open(port), STARTUP_SECONDS, "the Prefect server listening")
        api = PrefectApi(f"http://127.0.0.1:{port}/api")
        wait_until(lambda: api.http.get("/health").status_code == 200, STARTUP_SECONDS, "Prefect healthy")
        yield api
        api.http.close()
    finally:
        if server.process.poll() is None:
            server.interrupt(signal.SIGINT, seconds=60)
        if server.process.poll() is None:
            server.kill()


def _client_env(api: PrefectApi, home: Path, **settings: str) -> dict[str, str]:
    return clean_env(PREFECT_API_URL=str(api.http.base_url).rstrip("/"), PREFECT_HOME=str(home), **settings)


def _run_on_worker(api: PrefectApi, deployment_id: str, cwd: Path, env: dict[str, str]) -> dict:
    """Starts a worker in `cwd`, has it run one flow run of the deployment, stops it; the finished run."""
    worker = Service.start([PREFECT, "worker", "start", "--pool", "incubase", "--limit", "1"], cwd, env,
                           cwd / "worker.log")
    try:
        created = api.create_run(deployment_id)
        finished = api.finished(created["id"], 180)
        return {**finished, "worker_log": worker.output()}
    finally:
        if worker.process.poll() is None:
            worker.interrupt(signal.SIGINT, seconds=60)
        if worker.process.poll() is None:
            worker.kill()


def test_issue16_deployed_from_one_directory_run_by_a_worker_started_from_another(prefect_server, tmp_path):
    api = prefect_server
    # the deploying machine: a clone of its own, gone once it has deployed
    deployer = fresh_clone(tmp_path / "deployer")
    deploy_env = _client_env(api, tmp_path / "deployer-home", INCUBASE_HOME=str(deployer))
    for args, cwd in (([PREFECT, "work-pool", "create", "incubase", "--type", "process"], tmp_path),
                      ([PREFECT, "deploy", "--all"], deployer)):
        done = run(args, cwd, deploy_env, timeout=180)
        assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    shutil.rmtree(deployer)

    deployments = api.deployments()
    anchor = deployments["daily-anchor"]
    for deployment in deployments.values():
        stored = json.dumps(deployment)
        assert str(deployer) not in stored and str(tmp_path) not in stored, deployment["name"]
        assert deployment["pull_steps"] == [{"flows.checkout.enter_checkout": {}}]
        assert deployment["job_variables"]["env"]["INCUBASE_MODE"] == "deployment"

    # a worker machine without the database URL: the run refuses, and leaves no SQLite file behind
    default_db = CHECKOUT / "var" / "incubase.db"
    before = default_db.stat().st_mtime_ns if default_db.exists() else None
    bare = tmp_path / "worker-without-database"
    bare.mkdir()
    refused = _run_on_worker(api, anchor["id"], bare, _client_env(api, bare / "home"))
    assert refused["state_type"] == "FAILED", refused["state"]
    assert "needs INCUBASE_DATABASE_URL" in refused["state"]["message"], refused["state"]
    assert (default_db.stat().st_mtime_ns if default_db.exists() else None) == before
    assert not list(bare.rglob("*.db"))

    # a worker machine with the database: started from a directory of its own, it runs the code it has
    worker_dir = tmp_path / "worker"
    worker_dir.mkdir()
    env = _client_env(api, worker_dir / "home", INCUBASE_DATABASE_URL=f"sqlite:///{tmp_path / 'incubase.db'}")
    for args in ((INCUBASE, "db", "upgrade"), (INCUBASE, "demo")):
        assert run(args, tmp_path, env).returncode == 0
    finished = _run_on_worker(api, anchor["id"], worker_dir, env)
    assert finished["state_type"] == "COMPLETED", (finished["state"], finished["worker_log"][-3000:])
    anchors = run([INCUBASE, "audit", "anchors", "--check"], tmp_path, env)
    assert anchors.returncode == 0 and anchors.stdout.strip(), anchors
    # heartbeats on: what the crash-zombies automation listens for
    wait_until(lambda: _heartbeats(api, finished["id"]), 60, "a heartbeat event of the deployed run")


def _heartbeats(api: PrefectApi, run_id: str) -> list[dict]:
    answer = api.http.post("/events/filter", json={"filter": {
        "event": {"name": ["prefect.flow-run.heartbeat"]}, "resource": {"id": [f"prefect.flow-run.{run_id}"]},
        "occurred": {"since": "2000-01-01T00:00:00Z"}}, "limit": 10})
    answer.raise_for_status()
    return answer.json()["events"]


def test_issue16_one_command_creates_the_crash_zombies_automation_once(prefect_server, tmp_path):
    env = _client_env(prefect_server, tmp_path / "home")
    first = run([INCUBASE, "prefect", "automations"], tmp_path, env)
    second = run([INCUBASE, "prefect", "automations"], tmp_path, env)
    assert (first.returncode, first.stdout.strip()) == (0, f"created: {ZOMBIES}"), first
    assert (second.returncode, second.stdout.strip()) == (0, f"unchanged: {ZOMBIES}"), second
    answer = prefect_server.http.post("/automations/filter", json={})
    answer.raise_for_status()
    named = [a for a in answer.json() if a["name"] == ZOMBIES]
    assert len(named) == 1
    trigger, action = named[0]["trigger"], named[0]["actions"][0]
    assert (trigger["posture"], trigger["after"], trigger["within"]) == ("Proactive", ["prefect.flow-run.heartbeat"],
                                                                         90.0)
    assert (action["type"], action["state"]) == ("change-flow-run-state", "CRASHED")
