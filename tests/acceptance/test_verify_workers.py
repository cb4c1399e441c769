"""issue 16, verification in parallel as an auditor runs it: the installed console script
`incubase audit verify --all --workers 2`, from a directory outside the checkout, against a SQLite
file of the demo, prints exactly what one process prints — with an event edited behind the
service's back too."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.acceptance.conftest import INCUBASE, clean_env, run


def _verify(where: Path, env: dict[str, str], *flags: str):
    return run([INCUBASE, "audit", "verify", "--all", *flags], where, env, timeout=300)


def test_issue16_verify_all_with_two_workers_prints_what_one_prints(tmp_path):
    env = clean_env(INCUBASE_DATABASE_URL=f"sqlite:///{tmp_path / 'incubase.db'}")
    for args in (("db", "upgrade"), ("demo",)):
        assert run([INCUBASE, *args], tmp_path, env).returncode == 0

    for flags in ((), ("--json",), ("--chain-only",)):
        one, two = _verify(tmp_path, env, *flags), _verify(tmp_path, env, *flags, "--workers", "2")
        assert (two.returncode, two.stdout) == (one.returncode, one.stdout) == (0, one.stdout), two.stderr
    assert _verify(tmp_path, env).stdout.strip().endswith("all verified")

    # an administrator with DDL rights lifts the append-only triggers and edits one event's reason
    db = sqlite3.connect(tmp_path / "incubase.db")
    with db:
        triggers = db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'case_events'")
        for (name,) in triggers.fetchall():
            db.execute(f'DROP TRIGGER "{name}"')
        db.execute("UPDATE case_events SET reason = '改过的理由' WHERE case_id = 'demo-gy-daxuesheng' AND seq = 2")
    db.close()
    one, two = _verify(tmp_path, env), _verify(tmp_path, env, "--workers", "2")
    assert (two.returncode, two.stdout) == (one.returncode, one.stdout), two.stderr
    assert two.returncode == 1 and "Traceback" not in two.stderr
    violations = [line for line in two.stdout.splitlines() if line.startswith("VIOLATION")]
    assert violations and all(line.startswith("VIOLATION case demo-gy-daxuesheng seq 2 ") for line in violations)
    assert two.stdout.strip().endswith("1 case(s) with violations")


def test_issue16_workers_is_refused_without_all_and_below_one(tmp_path):
    env = clean_env(INCUBASE_DATABASE_URL=f"sqlite:///{tmp_path / 'incubase.db'}")
    assert run([INCUBASE, "db", "upgrade"], tmp_path, env).returncode == 0
    for args in (("--case", "x", "--workers", "2"), ("--all", "--workers", "0")):
        done = run([INCUBASE, "audit", "verify", *args], tmp_path, env)
        assert done.returncode == 2 and done.stderr.strip().startswith("error: --workers"), done.stderr
