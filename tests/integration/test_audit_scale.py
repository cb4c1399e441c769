"""R17 at scale: `verify_all` streams case by case, so its memory does not grow with the record.

The histories are built with the pure domain (no service call per act): one case is recognized
and then receives many complaints verified as invalid (R12: recorded, checked, not counted);
each case's events are sealed by `acts.record` and bulk-inserted with SQLAlchemy Core, with the
snapshot, base and operator rows the service would have written. SQLite only: the database is
a file of this test's own, migrated with the real migrations.
"""
from __future__ import annotations

import gc
import logging
import sys
from datetime import UTC, date, datetime
from functools import partial

import pytest
import sqlalchemy as sa

from db import tables as t
from db.engine import make_engine
from db.migrate import upgrade
from db.repository import SqlCaseRepository
from db.uow import SqlUnitOfWork
from services import users
from services.audit import verify_all
from services.calendars import default_calendar
from services.runtime import Runtime
from statemachines import acts
from statemachines.case import Case
from statemachines.events import GENESIS_HASH, Event, seal
from statemachines.timers import timers_for
from tests.policy_variants import scenario_policies
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, credit_code

EVENTS_PER_CASE = 500  # 3 to recognize, a report, then complaint + verification pairs
RECORDED = datetime(2025, 12, 1, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def template(policy, calendar) -> tuple[object, list]:
    """One case's events through the domain: apply, inspect, approve, a report, then complaint pairs."""
    ctx = lambda actor, on: acts.Recording(actor, on, "依规办理", RECORDED)  # noqa: E731
    case, events = acts.open_application(
        case_id="template", base_id="template", base_name="规模测试基地", operator_code=credit_code(0),
        level="provincial", jurisdiction="520000", policy=policy, calendar=calendar,
        ctx=ctx(CASEWORKER, date(2024, 4, 10)))
    events += acts.inspect(case, policy, calendar, ctx(INSPECTOR, date(2024, 5, 10)), outcome="pass")
    events += acts.approve(case, policy, calendar, ctx(SUPERVISOR, date(2024, 6, 12)))
    events += acts.submit_annual_report(case, policy, calendar, ctx(CASEWORKER, date(2025, 1, 1)), year=2024)
    k = 0
    while len(events) < EVENTS_PER_CASE:
        on = date(2025, 1, 1)
        events += acts.record_complaint(case, policy, calendar, ctx(CASEWORKER, on), complaint_id=f"k{k}",
                                        summary="入驻企业投诉，经核实不成立")
        events += acts.verify_complaint(case, policy, calendar, ctx(CASEWORKER, on), complaint_id=f"k{k}",
                                        valid=False)
        k += 1
    return case, events


def clone(case, events, n: int) -> tuple[dict, list[Event]]:
    """The template's history for case n: its own ids in the apply event, every event re-sealed in chain."""
    cid, base_id, name, code = f"case{n:08d}", f"ba{n:08d}", f"规模测试基地{n}", credit_code(n)
    rows, previous = [], GENESIS_HASH
    for e in events:
        payload = e.payload if e.act != "apply" else {
            **e.payload, "base_id": base_id, "base_name": name, "operator_code": code}
        sealed = seal(Event(**{**e.__dict__, "case_id": cid, "payload": payload, "prev_hash": previous,
                               "canonical": "", "hash": ""}))
        rows.append(sealed)
        previous = sealed.hash
    snapshot = {**case.to_dict(), "id": cid, "base_id": base_id, "base_name": name, "operator_code": code,
                "head_hash": previous}
    return snapshot, rows


def build(url: str, cases: int, policies, calendar) -> None:
    engine = make_engine(url)
    policy = policies.select("520000", "provincial", date(2024, 4, 10))
    case, events = template(policy, calendar)
    assert len(events) == EVENTS_PER_CASE and case.state == "recognized"
    owed = timers_for(case, policy, calendar)
    with engine.begin() as conn:
        for n in range(cases):
            snapshot, sealed = clone(case, events, n)
            base_id = snapshot["base_id"]
            conn.execute(t.operators.insert().values(id=f"op{n:08d}", credit_code=snapshot["operator_code"],
                                                     name=f"运营机构{n}", created_at=RECORDED))
            conn.execute(t.bases.insert().values(id=base_id, operator_id=f"op{n:08d}", name=snapshot["base_name"],
                                                 address="贵州省贵阳市", jurisdiction="520000", created_at=RECORDED))
            # the case row, its events and the rows derived from it (timers, complaints, instalments), as
            # an act writes them: verification reads them all back (issue 14 #8)
            SqlCaseRepository(conn, Clock(RECORDED)).add(Case.from_dict(snapshot), sealed, owed)
    engine.dispose()


def runtime(url: str, policies, calendar) -> tuple[Runtime, sa.Engine]:
    engine = make_engine(url)
    clock = Clock(datetime(2022, 1, 1, 2, 0, tzinfo=UTC))
    rt = Runtime(uow=partial(SqlUnitOfWork, engine, clock), clock=clock, policies=policies, calendar=calendar)
    users.add_user(rt, CASEWORKER, "王芳", [("caseworker", "520000")])
    users.add_user(rt, INSPECTOR, "赵磊", [("caseworker", "520000")])
    users.add_user(rt, SUPERVISOR, "李强", [("supervisor", "520000")])
    clock.now = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
    return rt, engine


def measured_verify(rt) -> tuple[int, int, int, int, list]:
    """(cases, events, bad cases, peak live blocks above the start, progress calls).

    The live blocks of Python's allocator are sampled after every case: what `verify_all` keeps
    from one case to the next shows there. (tracemalloc counts the same allocations but makes
    each one several times slower: over a minute for 100,000 events through the machine.)"""
    progress: list[tuple[int, int]] = []
    samples: list[int] = []

    def seen(c: int, e: int) -> None:
        progress.append((c, e))
        samples.append(sys.getallocatedblocks())

    gc.collect()
    baseline = sys.getallocatedblocks()
    cases = events = bad = 0
    for report in verify_all(rt, page=50, progress=seen):
        cases, events, bad = cases + 1, events + report.events, bad + (not report.ok)
        del report
    return cases, events, bad, max(samples) - baseline, progress


@pytest.fixture
def quiet_machine():
    """`transitions` logs a warning for every trigger it re-binds on each event (56 per event): kept
    in memory by pytest's log capture, they would grow with the record and hide what is measured."""
    logger = logging.getLogger("transitions")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def test_R17_verify_all_streams_50000_events_in_bounded_memory(tmp_path, quiet_machine):
    policies, calendar = scenario_policies(), default_calendar()
    results = {}
    for cases in (20, 100):  # 10,000 and 50,000 events
        url = f"sqlite:///{tmp_path / f'scale{cases}.db'}"
        upgrade(url)
        build(url, cases, policies, calendar)
        rt, engine = runtime(url, policies, calendar)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT COUNT(*) FROM case_events")).scalar_one() == \
                cases * EVENTS_PER_CASE
        results[cases] = measured_verify(rt)
        engine.dispose()

    small, large = results[20], results[100]
    assert small[:3] == (20, 10_000, 0)
    assert large[:3] == (100, 50_000, 0)  # every case verified ok
    assert large[4][-1] == (100, 50_000) and len(large[4]) == 100
    # memory follows the longest case, not the whole record: the 40,000 events more add less than half a
    # block each to the peak (caches warming: a few thousand blocks in all), where keeping the events
    # would add tens each (an Event and its fields). A ratio of the two peaks was too tight at this size:
    # 8,615 against 5,698 blocks once, with nothing kept
    growth = (large[3] - small[3]) / (large[1] - small[1])
    assert small[3] > 0 and growth < 0.5, f"peak {large[3]:,} blocks for 50k events vs {small[3]:,} for 10k"
