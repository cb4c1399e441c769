# ruff: noqa: F811  (the fixtures of test_audit, imported by name, are the parameters)
"""Issue 16, verification in parallel: `audit verify --all --workers N` and the batched reads of
verify_all give exactly the reports one process gives case by case, a tampered case included, found
in exactly one of the disjoint key ranges. Both backends; the workers are real spawned processes.
"""
from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import pytest

from bootstrap import build_chain_links
from db.engine import make_engine
from db.uow import SqlUnitOfWork
from services import audit
from services.audit_workers import verify_in_workers
from services.calendars import default_calendar
from services.runtime import Runtime
from tests.conftest import FakeClock
from tests.integration.test_audit import (  # noqa: F401
    forge,
    marks,
    people,
    seq_of,
    stored_events,
    two_cases,
    untriggered,
    update_row,
)
from tests.policy_variants import scenario_policies


def worker_runtime(url: str) -> Runtime:
    """A worker's runtime on the test's database (spawned: importable by name, as the CLI's build_runtime)."""
    clock = FakeClock(datetime(2026, 1, 1, 2, 0, tzinfo=UTC))  # verification reads no clock of its own
    return Runtime(uow=partial(SqlUnitOfWork, make_engine(url), clock), clock=clock, policies=scenario_policies(),
                   calendar=default_calendar())


def worker_links(url: str):
    return build_chain_links(engine=make_engine(url))


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def in_workers(rt, engine, workers: int, **kwargs) -> list[audit.CaseReport]:
    url = url_of(engine)
    return list(verify_in_workers(rt, partial(worker_runtime, url), workers, make_links=partial(worker_links, url),
                                  range_cases=1, **kwargs))


def test_issue16_workers_give_the_one_process_report_with_a_tampered_case_found_in_one_range(
        rt, engine, untriggered, two_cases):
    a, b = two_cases
    seq = seq_of(b.events, "inspect")
    original = stored_events(untriggered, b.case_id)[seq - 1]
    update_row(untriggered, b.case_id, seq, payload={**original.payload, "findings": "现场考察未发现问题"})

    one = list(audit.verify_all(rt))
    assert [r.case_id for r in one] == sorted([a.case_id, b.case_id])
    assert {r.case_id: marks(r) for r in one} == {a.case_id: [], b.case_id: [(b.case_id, seq, "chain")]}
    progress: list[tuple[int, int]] = []
    two = in_workers(rt, engine, 2, progress=lambda c, e: progress.append((c, e)))
    assert two == one  # the same reports, in the same order, violations and counts alike
    assert progress[-1] == (2, len(a.events) + len(b.events))

    # the ranges are disjoint and cover every case: the tampered case is found in exactly one of them
    ranges = list(audit.case_ranges(rt, 1))
    scope = audit.scope_of(rt)
    found = [[r.case_id for r in audit.verify_range(rt, after, through, scope) if not r.ok]
             for after, through in ranges]
    assert len(ranges) == 2 and sorted(found) == [[], [b.case_id]]
    assert audit.Tally.of(one) == sum((audit.Tally.of(audit.verify_range(rt, *bounds, scope)) for bounds in ranges),
                                      audit.Tally())


def test_issue16_chain_only_in_workers_equals_the_streamed_pass(rt, engine, untriggered, two_cases):
    a, b = two_cases
    seq = seq_of(a.events, "approve")
    forge(untriggered, a.case_id, seq, rechain=False, reason="改写的理由")
    streamed = list(audit.verify_all(rt, chain_only=True, links=build_chain_links(engine=engine)))
    assert [r.case_id for r in streamed if not r.ok] == [a.case_id]
    assert in_workers(rt, engine, 2, chain_only=True) == streamed


def test_issue16_batched_reads_find_what_the_case_by_case_check_finds(rt, untriggered, two_cases):
    """A case of the batch found wrong is read again alone: the report is verify_case's, no more."""
    a, b = two_cases
    forge(untriggered, a.case_id, seq_of(a.events, "approve"), actor="caseworker.nobody")
    reports = {r.case_id: r for r in audit.verify_all(rt)}
    assert reports[a.case_id] == audit.verify_case(rt, a.case_id) and not reports[a.case_id].ok
    assert reports[b.case_id].ok


def test_issue16_workers_refuse_a_number_below_one(rt):
    with pytest.raises(ValueError, match="at least 1"):
        list(verify_in_workers(rt, Runtime, 0))
