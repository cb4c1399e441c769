"""A deadline sweep in a process of its own, for the scale-out tests (issue 16): several of these
sweep one database at once, and one can be killed while it holds a claim.

    python -m tests.sweeper DATABASE_URL AS_OF [--stall-after N]

It connects, prints `ready` and waits for a line on stdin before sweeping, so that the test starts
every sweep at the same moment; then prints the ids of the timers it fired as one JSON line. With
`--stall-after N` it fires N timers, claims the next, prints `holding <case> <kind> <key>` and sleeps inside
that open transaction until it is killed.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, date, datetime
from functools import partial

from db.engine import make_engine
from db.uow import SqlUnitOfWork
from services.calendars import default_calendar
from services.runtime import Runtime
from services.sweep import sweep
from statemachines import automatic
from tests.policy_variants import scenario_policies


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("as_of", type=date.fromisoformat)
    ap.add_argument("--stall-after", type=int, default=None)
    args = ap.parse_args(argv)
    now = datetime(args.as_of.year, args.as_of.month, args.as_of.day, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
    engine = make_engine(args.url)
    rt = Runtime(uow=partial(SqlUnitOfWork, engine, lambda: now), clock=lambda: now,
                 policies=scenario_policies(), calendar=default_calendar())
    with rt.uow() as uow:  # connected before the start
        uow.timers.due(args.as_of, 1)
    if args.stall_after is not None:
        _stall_after(args.stall_after)
    print("ready", flush=True)
    sys.stdin.readline()
    report = sweep(rt, args.as_of)
    print(json.dumps({"fired": [t.id for t, _ in report.fired], "failed": [t.id for t, _ in report.failed]}),
          flush=True)
    engine.dispose()


def _stall_after(n: int) -> None:
    real_fire, seen = automatic.fire, []

    def fire(case, policy, calendar, timer, now):
        seen.append(timer)
        if len(seen) > n:  # this timer is claimed and its case locked: hold them until killed
            print(f"holding {case.id} {timer.kind} {timer.key}", flush=True)
            time.sleep(3600)
        return real_fire(case, policy, calendar, timer, now)

    automatic.fire = fire


if __name__ == "__main__":
    main()
