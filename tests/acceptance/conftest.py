"""The acceptance tier: the product the way its users run it.

Nothing here imports the product. Every check runs the installed console script, `make`, the
Prefect server and the browser as separate processes, from directories outside the checkout,
against databases of their own, and looks only at what a user or an operator could see: exit
codes, printed lines, HTTP answers, Prefect's API, files and processes.
"""
from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

CHECKOUT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
INCUBASE = VENV_BIN / "incubase"
PREFECT = VENV_BIN / "prefect"
# a flow run is planned well within this; the first start of a Prefect server on a new database
# migrates it (docs/prefect.md: 10–22 s on these machines)
STARTUP_SECONDS = 180


def clean_env(**settings: str) -> dict[str, str]:
    """The environment of a user's shell: none of the test run's own settings, and nothing that
    would put the checkout on the import path; plus the settings given."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("INCUBASE_", "PREFECT_", "PYTEST", "PYTHON")) and k != "VIRTUAL_ENV"}
    env.update(settings)
    return env


def run(args: Iterable[str | Path], cwd: Path, env: Mapping[str, str], *, timeout: float = 120,
        stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=dict(env), capture_output=True, text=True,
                          timeout=timeout, input=stdin)


def one_line_refusal(done: subprocess.CompletedProcess) -> str:
    """A command that refused: exit status 2 and one `error: …` line, no traceback; the line."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


def fresh_clone(into: Path) -> Path:
    """What a clone of this checkout would hold: the tracked files and the new ones not ignored
    (so an uncommitted change is tested too), without .venv, var/ or caches."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=CHECKOUT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, listed):
        source = CHECKOUT / os.fsdecode(name)
        if source.is_file():
            target = into / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
            target.chmod(source.stat().st_mode)
    return into


# --- processes ----------------------------------------------------------------------------------

def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def descendants(root: int) -> set[int]:
    """Every live process below `root`, whatever session or process group it started."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _parent_of(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that name `text` (orphans re-parented to init included)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in cmdline and alive(int(entry.name)):
                out.append(f"{entry.name}: {cmdline.strip()}")
    return out


@dataclass
class Service:
    """A long-running command (`make run`, `incubase run`), its printed lines and its processes."""

    process: subprocess.Popen
    log: Path
    seen: set[int] = field(default_factory=set)

    @classmethod
    def start(cls, args: Iterable[str | Path], cwd: Path, env: Mapping[str, str], log: Path) -> Service:
        # its own process group, as a shell gives a foreground job: Ctrl-C reaches every member
        with log.open("wb") as out:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen([str(a) for a in args], cwd=cwd, env=dict(env), stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        return cls(process, log)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, pattern: str, seconds: float = STARTUP_SECONDS) -> re.Match:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = re.search(pattern, self.output(), re.MULTILINE)
            if found:
                self.note_processes()
                return found
            if self.process.poll() is not None:
                raise AssertionError(f"exited with {self.process.returncode} before printing {pattern!r}:\n"
                                     + self.output()[-4000:])
            time.sleep(0.5)
        raise AssertionError(f"nothing matched {pattern!r} within {seconds:.0f}s:\n" + self.output()[-4000:])

    def note_processes(self) -> None:
        self.seen |= descendants(self.process.pid)

    def interrupt(self, sig: int = signal.SIGINT, *, group: bool = True, seconds: float = 90) -> int:
        """Ctrl-C (SIGINT to the foreground process group) or a supervisor's SIGTERM to the process."""
        self.note_processes()
        if group:
            os.killpg(self.process.pid, sig)
        else:
            self.process.send_signal(sig)
        return self.process.wait(timeout=seconds)

    def kill(self) -> None:
        """The last resort of a failed test: nothing of it may outlive the run."""
        for pid in {self.process.pid, *self.seen, *descendants(self.process.pid)}:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def wait_until(check, seconds: float, what: str, every: float = 1.0):
    """Polls `check` until it returns something true; fails naming `what` and the last answer."""
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"{what} did not happen within {seconds:.0f}s (last: {last!r})")


class PrefectApi:
    """The Prefect server's REST API, as its UI and an operator's scripts use it."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=30)

    def deployments(self) -> dict[str, dict]:
        answer = self.http.post("/deployments/filter", json={})
        answer.raise_for_status()
        return {d["name"]: d for d in answer.json()}

    def flow_runs(self, deployment_id: str) -> list[dict]:
        answer = self.http.post("/flow_runs/filter", json={
            "deployments": {"id": {"any_": [deployment_id]}}, "sort": "EXPECTED_START_TIME_ASC", "limit": 200})
        answer.raise_for_status()
        return answer.json()

    def create_run(self, deployment_id: str, parameters: dict | None = None) -> dict:
        answer = self.http.post(f"/deployments/{deployment_id}/create_flow_run", json={"parameters": parameters or {}})
        answer.raise_for_status()
        return answer.json()

    def flow_run(self, run_id: str) -> dict:
        answer = self.http.get(f"/flow_runs/{run_id}")
        answer.raise_for_status()
        return answer.json()

    def finished(self, run_id: str, seconds: float) -> dict:
        return wait_until(lambda: (r := self.flow_run(run_id))["state_type"] in ("COMPLETED", "FAILED", "CRASHED",
                                                                                   "CANCELLED") and r,
                          seconds, f"flow run {run_id} reaching a final state")
