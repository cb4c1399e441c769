"""The sharded verification flow: `audit verify --all` as Prefect tasks, one per key range of cases.

The cases are cut into `shards` disjoint key ranges (services.audit.case_ranges, keyset-read); each
range is a task, and the tallies of the ranges, added in range order, are the tally of the whole,
with the violations in case order. Each task reads its own scope (the hash algorithm, the grant
ledger's verdict), so a task runs wherever its task runner puts it. A task runner of threads
(Prefect's default) overlaps the ranges' database reads only: to use several cores, run the tasks on
a runner of processes, or use `incubase audit verify --all --workers N` (services.audit_workers).
"""
from __future__ import annotations

from dataclasses import asdict
from math import ceil

from prefect import flow, get_run_logger, task, unmapped

from flows import wiring
from services import audit
from services.grant_audit import verify_grants
from services.queries import count_cases


@task(name="verify-shard")
def verify_shard(after: str, through: str, chain_only: bool = False) -> audit.Tally:
    """The tally of the cases with `after` < id <= `through`."""
    rt = wiring.runtime()
    return audit.Tally.of(audit.verify_range(rt, after, through, audit.scope_of(rt, chain_only=chain_only)))


@flow(name="verify-records")
def verify_records(shards: int = 4, chain_only: bool = False) -> dict:
    """Every case verified as `incubase audit verify --all [--chain-only]` does, in `shards` tasks; with the
    full check, the grant ledger and the dashboard's counters too. Returns the counts and every
    violation, as the command prints them."""
    if shards < 1:
        raise ValueError("shards must be at least 1")
    rt = wiring.runtime()
    total = count_cases(rt)
    ranges = list(audit.case_ranges(rt, max(1, ceil(total / shards))))
    futures = verify_shard.map([a for a, _ in ranges], [b for _, b in ranges], chain_only=unmapped(chain_only))
    tally = sum((f.result() for f in futures), audit.Tally())
    result: dict = {"shards": len(ranges), "cases": tally.cases, "events": tally.events,
                    "bad_cases": tally.bad_cases, "violations": [asdict(v) for v in tally.violations]}
    if not chain_only:
        ledger = verify_grants(rt)
        result["grants"] = {"acts": ledger.acts, "violations": [asdict(v) for v in ledger.violations]}
        # issue 16: the dashboard's counters, held to the rows the shards verified
        result["counters"] = [asdict(v) for v in audit.verify_counters(rt)]
    get_run_logger().info("verified %d case(s), %d event(s) in %d shard(s): %d violation(s)", tally.cases,
                          tally.events, len(ranges), len(tally.violations))
    return result
