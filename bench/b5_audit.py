"""5. `audit verify --all` (services.audit.verify_all) over N events vs. bare sha256 over the same
stored canonical bytes read with the driver; with peak memory (live allocator blocks sampled after
every case) at N/10 and N events, to show it is flat in the number of events.
Target: project ≥ 50 % of the bare rate; peak memory flat. Two rows per size: the full check
(chain, sequence, transitions under their policy, rules, roles, four eyes, replay against the
snapshot and against every derived row: the case's columns, timers, complaints, instalments) and
`--chain-only` (chain and sequence of the stored text).
"""
from __future__ import annotations

import gc
import hashlib
import sys
from datetime import UTC, datetime

from bench import common as c

NOW = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
PER_CASE = 501  # 5 to recognize and report twice, then 248 complaint pairs


def build(backend: c.Backend, cases: int) -> None:
    from statemachines.timers import timers_for

    case, events, policy, calendar = c.recognized_case(reports=2, complaint_pairs=(PER_CASE - 5) // 2)
    c.insert_template(backend, case, events, timers_for(case, policy, calendar))
    # the derived rows too: the full check holds every one to the replay (issue 14 #8)
    rep = c.Replicator(c.read_template(backend, ["operators", "bases", "cases", "case_events", "timers",
                                                 "subsidy_instalments", "complaints", *c.PROJECTIONS]))
    c.replicate(backend, rep, 1, cases - 1, batch=200, progress=cases > 500)


def verify(rt, chain_only: bool = False) -> tuple[int, int, int, int]:
    """chain_only streams every chain in one pass, as `incubase audit verify --all --chain-only` does."""
    from functools import partial

    from db.event_reader import chain_links
    from services.audit import verify_all

    links = partial(chain_links, rt.uow.args[0]) if chain_only else None

    samples: list[int] = []
    gc.collect()
    start = sys.getallocatedblocks()
    n = events = bad = 0
    for rep in verify_all(rt, chain_only=chain_only, links=links,
                          progress=lambda *_: samples.append(sys.getallocatedblocks())):
        n, events, bad = n + 1, events + rep.events, bad + (not rep.ok)
        del rep
    return n, events, bad, max(samples) - start


def bare(backend: c.Backend) -> int:
    raw = backend.raw()
    cur = raw.cursor(name="stream") if backend.kind == "postgres" else raw.cursor()
    if backend.kind == "postgres":
        raw.autocommit = False
    cur.execute("SELECT canonical, hash FROM case_events ORDER BY case_id, seq")
    n = 0
    sha = hashlib.sha256
    while rows := cur.fetchmany(5000):
        for text, h in rows:
            if sha(text.encode()).hexdigest() != h:
                raise AssertionError("bad hash")
            n += 1
    cur.close()
    raw.close()
    return n


def main(argv=None) -> None:
    args = c.parse("b5_audit", __doc__, sizes={"events": 1_000_000}, smoke_sizes={"events": 2_000}, argv=argv)
    c.header(args, "verify --all vs bare sha256 of the stored canonical text")
    report = c.Report("b5_audit", args)
    for kind in c.backends(args, report):
        peaks = {}
        for size in (max(PER_CASE * 2, args.sizes["events"] // 10), args.sizes["events"]):
            cases = max(2, size // PER_CASE)
            backend, rt = c.generated(kind, "b5", build, cases, PER_CASE, NOW)
            try:
                t_proj, t_chain, t_bare = [], [], []
                rounds = args.rounds if size == args.sizes["events"] else 1
                for _ in range(rounds):
                    secs, n_bare = c.timed(lambda backend=backend: bare(backend))
                    t_bare.append(n_bare / secs)
                    secs, (n, events, bad, peak) = c.timed(lambda rt=rt: verify(rt))
                    t_proj.append(events / secs)
                    assert bad == 0 and events == n_bare, (bad, events, n_bare)
                    secs, (_, chained, bad, _) = c.timed(lambda rt=rt: verify(rt, chain_only=True))
                    t_chain.append(chained / secs)
                    assert bad == 0 and chained == n_bare, (bad, chained, n_bare)
                peaks[events] = peak
                report.add(kind, f"verify --all, {events:,} events", t_proj, t_bare, "events/s",
                           higher_is_better=True, target=">=0.5", peak_live_blocks=peak)
                report.add(kind, f"verify --all --chain-only, {events:,} ev", t_chain, t_bare, "events/s",
                           higher_is_better=True, target=">=0.5")
                rt.uow.args[0].dispose()
            finally:
                backend.drop()
        (small, ps), (large, pl) = sorted(peaks.items())
        report.add(kind, f"peak memory {large:,} vs {small:,} events", [float(pl)], [float(ps)], "blocks",
                   higher_is_better=False, target="<=1.5")
    report.finish()


if __name__ == "__main__":
    c.main_guard(main)
