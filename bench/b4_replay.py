"""4. Replay of a 10,000-event case (services.audit.state_as_of: load the events through the
repository, fold them through the machine) vs. reading those rows with the bare driver.
Target: project ≤ 3× the bare read.
"""
from __future__ import annotations

from datetime import UTC, datetime

from bench import common as c

NOW = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)


def main(argv=None) -> None:
    args = c.parse("b4_replay", __doc__, sizes={"events": 10_000}, smoke_sizes={"events": 300}, argv=argv)
    c.header(args, "replay of one long case vs bare read of its rows")
    report = c.Report("b4_replay", args)
    from services import audit, cases
    from statemachines.timers import timers_for

    case, events, policy, calendar = c.recognized_case(reports=2, complaint_pairs=(args.sizes["events"] - 5) // 2)
    for kind in c.backends(args, report):
        backend = c.Backend(kind, "b4").create()
        try:
            c.insert_template(backend, case, events, timers_for(case, policy, calendar))
            backend.analyze()
            rt = c.runtime(backend, NOW)
            raw = backend.raw()
            payload = "payload::text" if kind == "postgres" else "payload"
            q = (f'SELECT id, case_id, seq, act, "on", recorded_at, actor, reason, rule, policy_id, policy_version, '
                 f"{payload}, canonical, prev_hash, hash FROM case_events WHERE case_id = {backend.ph} ORDER BY seq")
            bare = lambda raw=raw, q=q: raw.execute(q, (c.TPL_CASE,)).fetchall()  # noqa: E731
            replay = lambda rt=rt: audit.state_as_of(rt, c.TPL_CASE)  # noqa: E731
            load = lambda rt=rt: cases.history(rt, c.TPL_CASE)  # noqa: E731
            for fn in (bare, replay, load):
                fn()  # warm
            t_bare, t_replay, t_load = [], [], []
            for _ in range(args.rounds):
                t_bare.append(c.timed(bare, gc_off=True)[0] * 1000)
                t_load.append(c.timed(load, gc_off=True)[0] * 1000)
                secs, replayed = c.timed(replay, gc_off=True)
                t_replay.append(secs * 1000)
            assert replayed is not None and replayed.version == len(events), (replayed, len(events))
            n = len(bare())
            report.add(kind, f"replay {n:,} events", t_replay, t_bare, "ms", higher_is_better=False,
                       target="<=3", load_only_ms=round(c.median(t_load), 1),
                       load_only_ratio=round(c.median(t_load) / c.median(t_bare), 2))
            raw.close()
            rt.uow.args[0].dispose()
        finally:
            backend.drop()
    report.finish()


if __name__ == "__main__":
    c.main_guard(main)
