"""issue 16, one rebuild for every projection as an operator runs it: the installed console script
`incubase audit rebuild-projections`, from a directory outside the checkout, against a SQLite file of
the demo whose projection rows were edited behind the service's back (the case list's search column,
a work-queue row, a figures row): `audit verify --all` names each and fails before, the rebuild prints a
line per projection, and verify passes after."""
from __future__ import annotations

import sqlite3

from tests.acceptance.conftest import INCUBASE, clean_env, run

CASE = "demo-gy-daxuesheng"


def test_issue16_rebuild_projections_repairs_what_verify_named(tmp_path):
    env = clean_env(INCUBASE_DATABASE_URL=f"sqlite:///{tmp_path / 'incubase.db'}")
    for args in (("db", "upgrade"), ("demo",)):
        assert run([INCUBASE, *args], tmp_path, env).returncode == 0
    verify = [INCUBASE, "audit", "verify", "--all"]
    assert run(verify, tmp_path, env, timeout=300).returncode == 0

    db = sqlite3.connect(tmp_path / "incubase.db")
    with db:
        db.execute("UPDATE cases SET search_text = 'x' WHERE id = ?", (CASE,))
        assert db.execute("DELETE FROM work_items WHERE case_id = ?", (CASE,)).rowcount > 0
        assert db.execute("UPDATE case_tallies SET year = year - 1 WHERE case_id = ?", (CASE,)).rowcount > 0
    db.close()
    before = run(verify, tmp_path, env, timeout=300)
    assert before.returncode == 1 and "Traceback" not in before.stderr, before.stderr
    named = [line for line in before.stdout.splitlines() if line.startswith("VIOLATION")]
    # the edited tally's year moved what the dashboard's year counters count (dash16): they are named too
    counters = [line for line in named if line.startswith("VIOLATION counters [counter] year_counts ")]
    assert counters and all(line.startswith(f"VIOLATION case {CASE} ") for line in named if line not in counters)
    for table in ("cases.search_text", "work_items", "case_tallies"):
        assert any(table in line for line in named), (table, named)

    rebuilt = run([INCUBASE, "audit", "rebuild-projections"], tmp_path, env, timeout=300)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stdout.splitlines() == [
        "8 case(s): case_list (the case list's columns of cases) derived again",
        "8 case(s): figures (case_days, case_tallies, case_counts, year_counts) derived again",
        "8 case(s): work_items (work_items) derived again"]
    after = run(verify, tmp_path, env, timeout=300)
    assert after.returncode == 0 and after.stdout.strip().endswith("all verified"), after.stdout

    alone = run([INCUBASE, "audit", "rebuild-projections", "--only", "work_items"], tmp_path, env)
    assert alone.stdout.splitlines() == ["8 case(s): work_items (work_items) derived again"], alone.stderr
    unknown = run([INCUBASE, "audit", "rebuild-projections", "--only", "snapshots"], tmp_path, env)
    assert unknown.returncode == 2 and unknown.stderr.startswith("error: --only: 没有这个投影"), unknown.stderr
