"""Issue 15: a case number people can say — the 受理编号 <jurisdiction>-<year>-<nnnn>, numbered from 1
per jurisdiction and year, recorded in the application's event (part of the audited record),
searchable, and verified like every projection. On SQLite, PostgreSQL and the in-memory storage."""
from __future__ import annotations

from datetime import date as D

import pytest

from db import tables as t
from services import audit
from services.ports import CaseFilter
from services.queries import page_of_cases
from services.references import reference_after
from tests.integration.test_audit import add_people
from tests.story import Story

pytestmark = pytest.mark.memory


def test_issue15_references_count_per_jurisdiction_and_year_and_are_in_the_record(rt, clock):
    add_people(rt)  # the verifier checks who recorded each act
    first = Story(rt, clock)
    first.apply(D(2025, 4, 8), seed=1, base="贵阳市大学生创业园")
    second = Story(rt, clock)
    second.apply(D(2025, 4, 9), seed=2, base="遵义市创业园")
    elsewhere = Story(rt, clock)
    elsewhere.apply(D(2025, 4, 10), seed=3, base="毕节市创业园", jurisdiction="520500")
    next_year = Story(rt, clock)
    next_year.apply(D(2026, 4, 8), seed=4, base="安顺市创业园")
    assert [s.case.reference for s in (first, second, elsewhere, next_year)] == [
        "520000-2025-0001", "520000-2025-0002", "520500-2025-0001", "520000-2026-0001"]
    assert first.events[0].payload["reference"] == "520000-2025-0001"  # hashed with the application
    rows = page_of_cases(rt, CaseFilter(text="2025-0002")).rows
    assert [r.id for r in rows] == [second.case_id] and rows[0].reference == "520000-2025-0002"
    assert audit.verify_case(rt, second.case_id).ok


def test_issue15_a_reference_changed_in_the_table_is_named_by_verify(rt, clock, engine):
    add_people(rt)
    s = Story(rt, clock)
    s.apply(D(2025, 4, 8), seed=1)
    with engine.begin() as conn:
        conn.execute(t.cases.update().where(t.cases.c.id == s.case_id).values(reference="520000-2025-0099"))
    report = audit.verify_case(rt, s.case_id)
    assert not report.ok and any("reference" in v.message for v in report.violations), report.violations


def test_issue15_the_number_grows_past_9999_and_never_wraps():
    assert reference_after("520000-2026-", None) == "520000-2026-0001"
    assert reference_after("520000-2026-", "520000-2026-0041") == "520000-2026-0042"
    assert reference_after("520000-2026-", "520000-2026-9999") == "520000-2026-10000"
