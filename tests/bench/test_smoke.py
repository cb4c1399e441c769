"""Every benchmark program runs with --smoke (tiny sizes, one round), so none of them can rot.

Each runs in a subprocess, on both backends (PostgreSQL is noted and left out by the program when
no server answers), with databases and results of this test's own; it must print its ratio lines
and write its JSON.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = ["b1_act", "b2_http", "b3_sweep", "b4_replay", "b5_audit", "b6_intake", "b7_verify", "b8_reads"]


@pytest.mark.parametrize("program", PROGRAMS)
def test_benchmark_runs_with_smoke_sizes(program, tmp_path):
    env = {**os.environ, "INCUBASE_BENCH_RESULTS": str(tmp_path / "results"),
           "INCUBASE_BENCH_DATA": str(tmp_path / "data"), "INCUBASE_BENCH_SUFFIX": "_smoke" + uuid.uuid4().hex[:6],
           "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, "-m", f"bench.{program}", "--smoke"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert f"RATIO {program} sqlite" in done.stdout, done.stdout[-2000:]
    result = json.loads((tmp_path / "results" / "smoke" / f"{program}.json").read_text())
    assert result["smoke"] and result["rows"], result
    assert all(r["ratio"] == r["ratio"] for r in result["rows"])  # no NaN: both sides were measured


def test_issue16_sweep_data_loads_b3s_due_timers_into_a_migrated_database(tmp_path):
    """`python -m bench.sweep_data` (the acceptance test of two workers loads its database with it):
    into a database migrated by `incubase db upgrade`, `--due` of `--cases` cases with due timers."""
    db = tmp_path / "loaded.db"
    env = {**os.environ, "INCUBASE_DATABASE_URL": f"sqlite:///{db}", "PYTHONWARNINGS": "ignore"}
    migrated = subprocess.run([Path(sys.executable).parent / "incubase", "db", "upgrade"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    done = subprocess.run([sys.executable, "-m", "bench.sweep_data", f"sqlite:///{db}", "--cases", "30", "--due", "10"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["10"]
    conn = sqlite3.connect(db)
    try:
        cases, due = conn.execute(
            "SELECT count(DISTINCT case_id), sum(fires_on <= '2026-06-14') FROM timers").fetchone()
    finally:
        conn.close()
    assert (cases, due) == (30, 10)  # the template case keeps no timer
