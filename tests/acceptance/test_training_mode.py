"""Issue 15, training mode, as a trainer runs it: the README's "Training mode" block typed as written in a
directory outside the checkout (the installed console script as `.venv/bin/incubase`), then an act
recorded through the served API on the training date, the date moved while the API runs, and the
refusals of training mode on a production database and of a training database without it.
"""
from __future__ import annotations

import json
import re
import signal
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from tests.acceptance.conftest import CHECKOUT, INCUBASE, VENV_BIN, Service, clean_env, run, wait_until
from tests.net import free_port, port_open


def _training_block() -> list[str]:
    text = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```sh\n(.*?)```", text, re.DOTALL) if "training set-date" in b)
    return [c for c in (re.sub(r"\s+#\s.*$", "", line).strip() for line in block.splitlines()) if c]


README_LINES = _training_block()
# each README line after the export → what it prints
PRINTS = {
    ".venv/bin/incubase db upgrade --training --date 2027-03-01":
        r"^database at sqlite:///\S+/training\.db is up to date \(a training database\)$",
    ".venv/bin/incubase demo --tokens": r"^loaded 8 demo case\(s\)$",
    ".venv/bin/incubase training show": r"^training date 2027-03-01$",
    ".venv/bin/incubase training set-date 2028-03-01": r"^training date 2028-03-01 \(was 2027-03-01\)$",
    ".venv/bin/incubase sweep": r"^swept to 2028-03-01: \d+ timer\(s\) fired, .* 0 failed$",
}
APPLICATION = {"base": {"name": "宝安区培训创业园", "address": "深圳市宝安区新桥街道"},
               "operator": {"name": "深圳培训创业服务有限公司", "credit_code": "91440306MA5G8XQK35"},
               "level": "county", "jurisdiction": "440306", "applied_on": "2028-03-01"}


def _classroom(tmp_path: Path) -> Path:
    """A trainer's directory outside the checkout, with the installed `.venv` the README names."""
    home = tmp_path / "classroom"
    home.mkdir()
    assert not home.resolve().is_relative_to(CHECKOUT)
    (home / ".venv").symlink_to(VENV_BIN.parent)
    return home


def _as_typed(home: Path, line: str) -> str:
    done = run(["bash", "-c", f"{README_LINES[0]}\n{line}"], home, clean_env())
    assert done.returncode == 0, f"{line}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr, f"{line}\n{done.stderr}"
    return done.stdout


def test_the_readme_block_is_the_one_this_test_runs():
    assert README_LINES[0] == "export INCUBASE_DATABASE_URL=sqlite:///$PWD/training.db INCUBASE_TRAINING=true"
    assert README_LINES[1:] == list(PRINTS)


def test_issue15_a_trainer_walks_the_class_forward_and_the_service_follows(tmp_path):
    home = _classroom(tmp_path)
    for line, printed in PRINTS.items():
        out = _as_typed(home, line)
        assert re.search(printed, out, re.MULTILINE), f"{line} printed:\n{out}"
    token = _as_typed(home, ".venv/bin/incubase tokens create caseworker.wang --label 培训").strip()
    env = clean_env(INCUBASE_DATABASE_URL=f"sqlite:///{home / 'training.db'}", INCUBASE_TRAINING="true")
    port = free_port()
    service = Service.start([INCUBASE, "serve", "--host", "127.0.0.1", "--port", str(port)], home, env,
                            tmp_path / "serve.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: port_open(port), 60, "incubase serve listening")
        auth = {"Authorization": f"Bearer {token}"}
        # an application dated on the training date: in production 2028-03-01 is in the future, refused
        answer = httpx.post(f"{base}/api/v1/cases", json=APPLICATION, headers=auth, timeout=30)
        assert answer.status_code == 201, answer.text
        assert answer.headers["Incubase-Training"] == "2028-03-01"
        events = httpx.get(f"{base}/api/v1/cases/{answer.json()['id']}/events", headers=auth, timeout=30).json()
        applied = events[0] if isinstance(events, list) else events["events"][0]
        recorded = datetime.fromisoformat(applied["recorded_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
        assert (applied["act"], applied["on"], recorded.date()) == ("apply", "2028-03-01", date(2028, 3, 1))
        assert "培训模式 · 办理日期 2028年3月1日" in httpx.get(f"{base}/login", timeout=30).text
        # moved forward while the API runs: it follows without a restart; backwards is refused
        _as_typed(home, ".venv/bin/incubase training set-date 2028-09-01")
        wait_until(lambda: httpx.get(f"{base}/healthz").headers.get("Incubase-Training") == "2028-09-01", 10,
                   "the API on the new training date")
        back = run(["bash", "-c", f"{README_LINES[0]}\n.venv/bin/incubase training set-date 2028-03-02"], home,
                   clean_env())
        assert back.returncode == 1 and back.stderr.startswith("error: the training date only moves forward")
        assert service.interrupt(signal.SIGTERM, group=False, seconds=30) == -signal.SIGTERM
    finally:
        if service.process.poll() is None:
            service.kill()
    verified = run([INCUBASE, "audit", "verify", "--all"], home, env)
    assert verified.returncode == 0 and "all verified" in verified.stdout, verified.stdout + verified.stderr


def test_issue15_training_mode_never_runs_on_a_production_database(tmp_path):
    """Every entry point stops with one line, exit 2, before starting anything."""
    home = _classroom(tmp_path)
    production = clean_env(INCUBASE_DATABASE_URL=f"sqlite:///{home / 'incubase.db'}")
    assert run([INCUBASE, "db", "upgrade"], home, production).returncode == 0
    training_on = {**production, "INCUBASE_TRAINING": "true"}
    for command in (["serve", "--port", str(free_port())], ["run"], ["demo"], ["sweep"], ["users", "list"]):
        done = run([INCUBASE, *command], home, training_on, timeout=60)
        assert done.returncode == 2, f"{command}: {done.returncode}\n{done.stdout}\n{done.stderr}"
        assert done.stderr.splitlines() == ["error: training mode is on (INCUBASE_TRAINING) but this is a "
                                            "production database: training mode never runs on one"], command
    # and a production database never becomes a training one
    again = run([INCUBASE, "db", "upgrade", "--training"], home, production)
    assert again.returncode == 2 and "created for production, not training" in again.stderr


def test_issue15_a_training_database_runs_only_in_training_mode(tmp_path):
    home = _classroom(tmp_path)
    env = clean_env(INCUBASE_DATABASE_URL=f"sqlite:///{home / 'training.db'}")
    assert run([INCUBASE, "db", "upgrade", "--training", "--date", "2027-03-01"], home, env).returncode == 0
    done = run([INCUBASE, "serve", "--port", str(free_port())], home, env, timeout=60)
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["error: this is a training database: run it with INCUBASE_TRAINING=true"]
    listed = run([INCUBASE, "policies", "list", "--json"], home, env)  # reads no database: still answers
    assert listed.returncode == 0 and json.loads(listed.stdout)
