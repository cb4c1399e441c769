"""Issue 16: the pending timers are read by keyset (services.timer_queries.page_of_timers), in the
order (due date, case, kind, key): page after page from each page's `next_after` gives every timer
of the scope once, in the order of the whole list, and a timer added between two pages behind the
cursor is not listed again nor does it push another off; the count stops at its cap. SQLite,
PostgreSQL and the in-memory storage."""
from __future__ import annotations

from datetime import date as D

import pytest

from services import cases, timer_queries
from services.timer_queries import TimerFilter, find_timers, page_of_timers
from tests.integration.test_audit import add_people
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, credit_code


def walk(rt, query: TimerFilter) -> list[tuple]:
    keys: list[tuple] = []
    while True:
        page = page_of_timers(rt, query)
        assert len(page.rows) <= query.limit
        keys += [timer_queries.timer_key(r) for r in page.rows]
        if page.next_after is None:
            return keys
        query = TimerFilter(scopes=query.scopes, kind=query.kind, limit=query.limit, after=page.next_after)


@pytest.fixture
def recognised(rt, clock) -> list[str]:
    add_people(rt)
    ids = []
    for i in range(6):
        clock.set_day(D(2024, 4, 8 + i))
        ids.append(cases.open_case(rt, operator_name="贵阳高新创业服务有限公司", credit_code=credit_code(i + 1),
                                   base_name=f"贵阳第{i}号创业园", base_address="贵州省", level="provincial",
                                   jurisdiction=("520000", "520100")[i % 2], on=D(2024, 4, 8 + i),
                                   actor=CASEWORKER, reason="受理").case.id)
    clock.set_day(D(2024, 6, 20))
    for i, case_id in enumerate(ids):
        cases.ACTS["inspect"](rt, case_id, on=D(2024, 5, 10), actor=INSPECTOR, reason="考察", outcome="pass")
        cases.ACTS["approve"](rt, case_id, on=D(2024, 6, 3 + i % 2), actor=SUPERVISOR, reason="批复")
    return ids


@pytest.mark.memory
def test_issue16_timers_page_by_keyset_in_the_order_of_the_whole_list(rt, recognised):
    whole = [timer_queries.timer_key(r) for r in find_timers(rt, TimerFilter(limit=10_000))]
    assert len(whole) > 12 and whole == sorted(whole) and len(set(whole)) == len(whole)
    for limit in (1, 4, 7):
        assert walk(rt, TimerFilter(limit=limit)) == whole
    city = [timer_queries.timer_key(r) for r in find_timers(rt, TimerFilter(scopes=("520100",), limit=10_000))]
    assert set(city) < set(whole) and walk(rt, TimerFilter(scopes=("520100",), limit=3)) == city
    reports = [k for k in whole if k[2] == "annual_report"]
    assert walk(rt, TimerFilter(kind="annual_report", limit=2)) == reports
    page = page_of_timers(rt, TimerFilter(limit=5))
    assert page.total == len(whole) and not page.total_capped


@pytest.mark.memory
def test_issue16_the_timers_count_stops_at_the_cap(rt, recognised, monkeypatch):
    monkeypatch.setattr(timer_queries, "COUNT_CAP", 5)
    page = page_of_timers(rt, TimerFilter(limit=2))
    assert (page.total, page.total_capped, len(page.rows)) == (5, True, 2) and page.next_after is not None
