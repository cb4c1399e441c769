"""`incubase run`: the API and the scheduled flows together, on one machine, with one command.

Starts a local Prefect server (schedules need one: an ephemeral server refuses them), waits
for it to be healthy, serves the flows against it in a second process, and runs the API in a
third; Ctrl-C stops the flows before the server (docs/prefect.md).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import typer

from cli.prefect_server import offline_env
from config import Settings


def prefect_env(settings: Settings) -> dict[str, str]:
    home = Path(settings.prefect_home)
    home.mkdir(parents=True, exist_ok=True)
    return {
        **offline_env(),
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": f"http://127.0.0.1:{settings.prefect_port}/api",
        "PREFECT_UI_API_URL": f"http://127.0.0.1:{settings.prefect_port}/api",
    }


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    # its own session, so a Ctrl-C here reaches it only through our orderly shutdown
    return subprocess.Popen(cmd, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


def _wait_healthy(url: str, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the process behind {url} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f}s")


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def _exit_on_signal(signum, _frame) -> None:
    # SIGTERM (a supervisor, `timeout`) must stop the children too, as Ctrl-C does
    raise SystemExit(128 + signum)


def load_rules() -> None:
    """Reads the policy and calendar files before anything starts: a wrong one stops the command
    with one line per problem and exit status 2 (cli.main.main), not a server that fails to start."""
    from services.calendars import default_calendar
    from services.policies import default_policies

    default_policies()
    default_calendar()


def run_all(settings: Settings) -> None:
    from flows.serve import schedules

    try:
        schedules(settings.schedules)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    load_rules()
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)
    env = prefect_env(settings)
    logs = Path(settings.prefect_home)
    server = flows = api = None
    try:
        typer.echo(f"starting the Prefect server on 127.0.0.1:{settings.prefect_port} (log: {logs / 'server.log'})")
        server = _start([sys.executable, "-m", "cli.prefect_server", "start", "--host", "127.0.0.1",
                         "--port", str(settings.prefect_port)], env, logs / "server.log")
        _wait_healthy(f"http://127.0.0.1:{settings.prefect_port}/api/health", server, 120)
        flows = _start([sys.executable, "-m", "flows.serve"], env, logs / "flows.log")
        api = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.main:app", "--host", settings.api_host,
                                "--port", str(settings.api_port)], start_new_session=True)
        _wait_healthy(f"http://{settings.api_host}:{settings.api_port}/healthz", api, 60)
        base = f"http://{settings.api_host}:{settings.api_port}"
        typer.echo(f"\nincubase is running:\n  web pages  {base}/login\n  API        {base}/api/v1\n"
                   f"  API docs   {base}/docs\n  Prefect UI http://127.0.0.1:{settings.prefect_port}\n"
                   f"  flows log  {logs / 'flows.log'}\nCtrl-C stops everything.")
        while all(p.poll() is None for p in (server, flows, api)):
            time.sleep(1)
        typer.echo("a component stopped; shutting down", err=True)
    except KeyboardInterrupt:
        typer.echo("\nstopping")
    except RuntimeError as exc:  # a component that would not start: say which, stop the others
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        _stop(api)
        _stop(flows)
        _stop(server)
