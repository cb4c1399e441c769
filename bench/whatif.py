"""Measured what-ifs for bench/README.md "What to change": the same service calls, once as the
code stands and once with a change applied by monkeypatching *in this process only* (the product
code is not edited). SQLite, small sizes:  python -m bench.whatif
"""
from __future__ import annotations

import functools
import time
import typing
from datetime import UTC, datetime

from bench import b1_act, common as c


def cached_hints() -> None:
    """statemachines/case.py `_decode`: typing.get_type_hints once per class, not once per decode."""
    import statemachines.case as case_mod

    hints = functools.cache(typing.get_type_hints)
    case_mod.typing = type("typing_cached", (), {k: getattr(typing, k) for k in ("get_origin", "get_args", "Union")})
    case_mod.typing.get_type_hints = staticmethod(hints)


def cached_acts_from() -> None:
    """statemachines/lifecycle.py `acts_from`: a dict per state built once (the table is fixed)."""
    import statemachines.fold as fold
    import statemachines.lifecycle as lc

    table = {}

    def acts_from(state: str) -> list[str]:
        if state not in table:
            table[state] = [a for a in lc.ALL_ACTS if lc.MACHINE.get_transitions(trigger=a, source=state)]
        return table[state]

    fold.acts_from = acts_from


def act_rate(n: int = 600) -> float:
    from services import cases

    backend = c.Backend("sqlite", "whatif_act").create()
    try:
        b1_act.build(backend, n + 50)
        rt = c.runtime(backend, b1_act.NOW)
        ids = b1_act.case_ids(1, n + 50)
        for cid in ids[:50]:
            cases.record_assessment(rt, cid, outcome="pass", actor=c.CASEWORKER, on=b1_act.ON, reason="考核合格")
        t0 = time.perf_counter()
        for cid in ids[50:]:
            cases.record_assessment(rt, cid, outcome="pass", actor=c.CASEWORKER, on=b1_act.ON, reason="考核合格")
        return n / (time.perf_counter() - t0)
    finally:
        backend.drop()


def replay_ms(pairs: int = 1500) -> float:
    from services import audit
    from statemachines.timers import timers_for

    case, events, policy, calendar = c.recognized_case(reports=2, complaint_pairs=pairs)
    backend = c.Backend("sqlite", "whatif_replay").create()
    try:
        c.insert_template(backend, case, events, timers_for(case, policy, calendar))
        rt = c.runtime(backend, datetime(2026, 7, 1, 2, tzinfo=UTC))
        audit.state_as_of(rt, c.TPL_CASE)
        return c.median(c.timed(lambda: audit.state_as_of(rt, c.TPL_CASE))[0] * 1000 for _ in range(3))
    finally:
        backend.drop()


def verify_rate(cases: int = 40) -> float:
    from bench import b5_audit

    backend = c.Backend("sqlite", "whatif_verify").create()
    try:
        b5_audit.build(backend, cases)
        rt = c.runtime(backend, datetime(2022, 1, 1, tzinfo=UTC))
        c.add_staff(rt)
        rt.clock.now = b5_audit.NOW
        secs, (_, events, bad, _) = c.timed(lambda: b5_audit.verify(rt))
        assert bad == 0
        return events / secs
    finally:
        backend.drop()


def chain_only_rate(cases: int = 40) -> tuple[float, float]:
    """(events/s of the repository's events() + audit.check_chain alone, of bare sha256): the hash-chain
    part of verify --all without the replay through the machine and the role checks."""
    from bench import b5_audit
    from statemachines import audit

    backend = c.Backend("sqlite", "whatif_chain").create()
    try:
        b5_audit.build(backend, cases)
        rt = c.runtime(backend, b5_audit.NOW)

        def run() -> int:
            n, after = 0, ""
            while True:
                with rt.uow() as uow:
                    ids = uow.cases.ids_after(after, 200)
                    if not ids:
                        return n
                    for cid in ids:
                        events = uow.cases.events(cid)
                        assert not audit.check_chain(cid, events)
                        n += len(events)
                after = ids[-1]

        secs, n = c.timed(run)
        bsecs, bn = c.timed(lambda: b5_audit.bare(backend))
        return n / secs, bn / bsecs
    finally:
        backend.drop()


def main() -> None:
    chain, bare = chain_only_rate()
    print(f"chain only (events() + check_chain) {chain:9.1f} events/s; bare sha256 {bare:9.1f} events/s; "
          f"ratio {chain / bare:.3f}")
    rows = []
    before = {"act": act_rate(), "replay": replay_ms(), "verify": verify_rate()}
    cached_hints()
    hints = {"act": act_rate(), "replay": replay_ms(), "verify": verify_rate()}
    cached_acts_from()
    both = {"act": act_rate(), "replay": replay_ms(), "verify": verify_rate()}
    for key, unit in (("act", "acts/s"), ("replay", "ms (3,005 events)"), ("verify", "events/s")):
        rows.append((key, unit, before[key], hints[key], both[key]))
        print(f"{key:7s} {unit:18s} as is {before[key]:9.1f}   + cached type hints {hints[key]:9.1f}   "
              f"+ cached acts_from {both[key]:9.1f}")
    import json

    (c.RESULTS / "whatif.json").write_text(json.dumps({"date": datetime.now(UTC).isoformat(), "rows": rows,
                                                       "chain_only_events_per_s": chain, "bare_sha256_events_per_s": bare}, indent=2))


if __name__ == "__main__":
    main()
