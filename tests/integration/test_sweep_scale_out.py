"""Issue 16, sweep scale-out: several sweeps at once, each a process of its own (tests/sweeper.py),
fire disjoint timers, every due timer exactly once; a sweep killed while it holds a claim leaves
that timer to the next sweep, and nothing of it behind (a claim is the row lock of its open
transaction). Exactly once is counted in the database: the system events and the fired timers.

On SQLite (one writer) the same must hold, the sweeps taking turns; on PostgreSQL another sweep
skips a held timer instead of waiting for it (`FOR UPDATE SKIP LOCKED`).
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.sweep import sweep
from tests.integration.test_storage_contract import AS_OF, SqlStored, assert_chain, expected_firings, recognize

ROOT = Path(__file__).resolve().parents[2]
SECONDS = 120


def recognised(rt, clock, n: int) -> list[str]:
    ids = [recognize(rt, clock, seed=k + 1, base=f"规模测试基地{k}") for k in range(n)]
    clock.set_day(AS_OF)
    return ids


def start_sweeper(engine, *options: str) -> subprocess.Popen:
    """A sweep process, connected and waiting for the word to start."""
    url = engine.url.render_as_string(hide_password=False)
    proc = subprocess.Popen([sys.executable, "-m", "tests.sweeper", url, AS_OF.isoformat(), *options], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line == "ready\n", line + proc.communicate(timeout=SECONDS)[1][-3000:]
    return proc


def go(proc: subprocess.Popen) -> None:
    proc.stdin.write("go\n")
    proc.stdin.flush()


def finished(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=SECONDS)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.splitlines()[-1])


def test_issue16_four_sweep_processes_at_once_fire_disjoint_timers_each_exactly_once(rt, clock, engine):
    ids = recognised(rt, clock, 10)
    stored = SqlStored(engine)
    due = stored.due_timer_ids(AS_OF)
    assert len(due) == 20

    sweepers = [start_sweeper(engine) for _ in range(4)]
    for proc in sweepers:
        go(proc)
    outcomes = [finished(proc) for proc in sweepers]

    assert [o["failed"] for o in outcomes] == [[]] * 4
    fired = [o["fired"] for o in outcomes]
    assert sorted(t for f in fired for t in f) == sorted(due)  # disjoint, and together every due timer
    events = stored.system_events()
    assert len(events) == 20 and set(events) == expected_firings(ids)
    assert sweep(rt, AS_OF).fired == []
    for case_id in ids:
        assert_chain(stored, case_id)


def test_issue16_a_sweep_killed_while_holding_a_claim_leaves_its_timer_to_the_next_sweep(rt, clock, engine):
    ids = recognised(rt, clock, 3)
    stored = SqlStored(engine)
    killed = start_sweeper(engine, "--stall-after", "2")
    go(killed)
    line = killed.stdout.readline()
    assert line.startswith("holding "), line + killed.stderr.read()[-3000:]
    held = tuple(line.split()[1:])  # (case, kind, key) claimed, its act not yet written

    if engine.dialect.name == "postgresql":
        # another sweep's claim skips the held timer and its case instead of waiting for them
        with rt.uow() as uow:
            uow.conn.execute(sa.text("SET LOCAL lock_timeout = '10s'"))  # a wait fails the test, not hangs it
            other = uow.timers.claim_next(AS_OF, clock())
            assert other is not None and other.case_id != held[0]
            uow.rollback()

    killed.kill()  # mid-batch: the process dies inside the transaction of its third timer
    killed.communicate(timeout=SECONDS)  # reaped, its pipes closed
    assert len(stored.system_events()) == 2  # the two it committed

    after = sweep(rt, AS_OF)
    assert not after.failed
    assert held in {(t.case_id, t.kind, t.key) for t, _ in after.fired}
    assert len(after.fired) == 4
    events = stored.system_events()
    assert len(events) == 6 and set(events) == expected_firings(ids)
    for case_id in ids:
        assert_chain(stored, case_id)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_issue16_a_sweep_fires_a_timer_whose_case_an_act_held_once_the_act_ends(rt, clock, engine):
    """The claims skip a case a caseworker's act holds; the sweep then waits for it (the act may
    end any moment) rather than leave its timers to tomorrow's run."""
    ids = recognised(rt, clock, 2)
    holder = rt.uow()
    with holder as uow:
        uow.cases.get(ids[0], for_update=True)  # an act in progress on the first case
        result: list = []
        sweeping = threading.Thread(target=lambda: result.append(sweep(rt, AS_OF)))
        sweeping.start()
        deadline = time.monotonic() + SECONDS
        while len(SqlStored(engine).system_events()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        assert sweeping.is_alive()  # the second case's timers fired; the first's wait for the act
        assert [e[0] for e in SqlStored(engine).system_events()] == [ids[1]] * 2
        uow.rollback()
    sweeping.join(SECONDS)
    assert not sweeping.is_alive()
    assert len(result[0].fired) == 4 and set(SqlStored(engine).system_events()) == expected_firings(ids)
