"""7. `audit verify --all` over many short cases, in one process and with `--workers 2`
(services.audit_workers), vs. bare sha256 over the same stored canonical bytes read with the driver.
Cases of 5 events (apply, inspect, approve, two annual reports), each with its timers and
instalments, as a province's record mostly is: what is measured is the cost per case (reading a
case's rows, its snapshot, its projections) as much as per event (issue 16).
Targets: the full check ≥ 30,000 events/s with 2 processes (absolute, on this 2-core machine);
`--chain-only` ≥ 50 % of the bare rate, in one process and in two.
"""
from __future__ import annotations

import resource
from datetime import UTC, datetime
from functools import partial

from bench import common as c
from bench.b5_audit import bare

NOW = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
PER_CASE = 5
FULL_TARGET = 30_000  # events/s, the full check with 2 processes (issue 16)


def build(backend: c.Backend, cases: int) -> None:
    from statemachines.timers import timers_for

    case, events, policy, calendar = c.recognized_case(reports=2)
    assert len(events) == PER_CASE
    c.insert_template(backend, case, events, timers_for(case, policy, calendar))
    rep = c.Replicator(c.read_template(backend, ["operators", "bases", "cases", "case_events", "timers",
                                                 "subsidy_instalments", "complaints", *c.PROJECTIONS]))
    c.replicate(backend, rep, 1, cases - 1, batch=2000, progress=cases > 5000)


def verify(rt, backend: c.Backend, workers: int, chain_only: bool = False) -> tuple[int, int, int, float]:
    """(cases, events, bad cases, CPU seconds of this process and its workers) of `incubase audit verify
    --all [--chain-only] [--workers N]`'s path. The CPU seconds tell what the check costs when other
    programs share the cores: events / CPU second × cores is the rate on cores of its own."""
    from db.event_reader import chain_links
    from services.audit import verify_all
    from services.audit_workers import verify_in_workers

    cpu = _cpu()
    if workers == 1:
        links = partial(chain_links, rt.uow.args[0]) if chain_only else None
        reports = verify_all(rt, chain_only=chain_only, links=links)
    else:
        reports = verify_in_workers(rt, partial(c.url_runtime, backend.url, NOW), workers, chain_only=chain_only,
                                    make_links=partial(_links, backend.url))
    n = events = bad = 0
    for report in reports:
        n, events, bad = n + 1, events + report.events, bad + (not report.ok)
    return n, events, bad, _cpu() - cpu


def _cpu() -> float:
    """CPU seconds of this process and of its children that ended (the workers, once the pool is shut)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _links(url: str):
    from bootstrap import build_chain_links
    from db.engine import make_engine

    return build_chain_links(engine=make_engine(url))


def main(argv=None) -> None:
    args = c.parse("b7_verify", __doc__, sizes={"cases": 100_000}, smoke_sizes={"cases": 200}, argv=argv)
    c.header(args, "verify --all of 5-event cases, 1 and 2 processes, vs bare sha256 of the stored canonical text")
    report = c.Report("b7_verify", args)
    for kind in c.backends(args, report):
        cases = args.sizes["cases"]
        backend, rt = c.generated(kind, "b7", build, cases, PER_CASE, NOW)
        try:
            rates: dict[tuple[int, bool], list[float]] = {}
            per_cpu: dict[tuple[int, bool], list[float]] = {}
            t_bare: list[float] = []
            for _ in range(args.rounds):
                secs, n_bare = c.timed(lambda backend=backend: bare(backend))
                t_bare.append(n_bare / secs)
                for workers in (1, 2):
                    for chain_only in (False, True):
                        secs, (n, events, bad, cpu) = c.timed(
                            lambda rt=rt, b=backend, w=workers, co=chain_only: verify(rt, b, w, co))
                        assert (n, events, bad) == (cases, n_bare, 0), (n, events, bad, n_bare)
                        rates.setdefault((workers, chain_only), []).append(events / secs)
                        per_cpu.setdefault((workers, chain_only), []).append(events / cpu)
            size = f"{cases * PER_CASE:,} ev"
            for workers in (1, 2):
                full = rates[(workers, False)]
                report.add(kind, f"verify --all --workers {workers}, {size}", full, t_bare, "events/s",
                           higher_is_better=True, target=f">={FULL_TARGET:,}/s" if workers == 2 else "-",
                           met=c.median(full) >= FULL_TARGET if workers == 2 else True,
                           events_per_cpu_second=round(c.median(per_cpu[(workers, False)])))
                report.add(kind, f"--chain-only --workers {workers}, {size}", rates[(workers, True)], t_bare,
                           "events/s", higher_is_better=True, target=">=0.5",
                           events_per_cpu_second=round(c.median(per_cpu[(workers, True)])))
            rt.uow.args[0].dispose()
        finally:
            backend.drop()
    report.finish()


if __name__ == "__main__":
    c.main_guard(main)
