"""`audit verify --all --workers N`: the same reports as verify_all, from N processes.

Verifying is Python CPU (bench b5), so threads would share one core: each worker is a process of
its own with its own runtime and database connections, given disjoint key ranges of cases
(services.audit.case_ranges, keyset-read) a few hundred cases at a time, so a worker that drew
long histories does not leave the other idle. The ranges' reports come back in range order, so the
reports, the counts and the exit status are those of one process on the same data; at most a few
ranges are in flight, so memory stays flat in the number of cases.

Processes are spawned, not forked: a forked child would share the parent's pooled database
connections (and Prefect's threads, when a flow calls this).
"""
from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from services.audit import CaseReport, Scope, case_ranges, scope_of, verify_range
from services.ports import ChainLinks
from services.runtime import Runtime

# cases a worker is given at a time: big enough that handing out a range costs nothing next to
# verifying it, small enough that the last ones finish together
RANGE_CASES = 500

_worker: tuple[Runtime, Scope, ChainLinks | None] | None = None


def verify_in_workers(rt: Runtime, make_runtime: Callable[[], Runtime], workers: int, *,
                      chain_only: bool = False, make_links: Callable[[], ChainLinks] | None = None,
                      progress: Callable[[int, int], None] | None = None,
                      range_cases: int = RANGE_CASES) -> Iterator[CaseReport]:
    """verify_all's reports, in id order, verified by `workers` processes; each builds its runtime
    with `make_runtime` (and, for chain_only, its chain reader with `make_links`): both must be
    importable by name, as a spawned process finds them. `rt` walks the key ranges and reads what
    every worker shares (the hash algorithm, the grant ledger's verdict) once."""
    if workers < 1:
        raise ValueError("workers must be at least 1")
    scope = scope_of(rt, chain_only=chain_only)
    cases_done = events_done = 0
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start,
                             initargs=(make_runtime, make_links, scope)) as pool:
        in_flight: deque[Future[list[CaseReport]]] = deque()

        def finished() -> Iterator[CaseReport]:
            nonlocal cases_done, events_done
            for report in in_flight.popleft().result():
                cases_done, events_done = cases_done + 1, events_done + report.events
                if progress:
                    progress(cases_done, events_done)
                yield report

        for after, through in case_ranges(rt, range_cases):
            in_flight.append(pool.submit(_verify_range, after, through))
            if len(in_flight) > 2 * workers:
                yield from finished()
        while in_flight:
            yield from finished()


def _start(make_runtime: Callable[[], Runtime], make_links: Callable[[], ChainLinks] | None, scope: Scope) -> None:
    global _worker
    _worker = (make_runtime(), scope, make_links() if make_links and scope.chain_only else None)


def _verify_range(after: str, through: str) -> list[CaseReport]:
    assert _worker is not None, "a worker verifies only after _start"
    rt, scope, links = _worker
    return verify_range(rt, after, through, scope, links)
