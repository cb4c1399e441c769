"""The work queue (services/work_queue.py): every kind of pending work of the cases in the user's
jurisdictions, its deadline the one stored with the timer (R8, R9, R10), read in a few statements
whatever the number of cases. Runs on SQLite, PostgreSQL and the in-memory storage."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from services.values import Grant, User
from services.work_queue import work_queue
from tests.integration.test_rules import recognize_many
from tests.story import INSPECTOR, Story

D = date
SINCE = datetime(2020, 1, 1, tzinfo=UTC)
GUIZHOU_CASEWORKER = User("u-q", "caseworker.q", "贵州办事员", (Grant("caseworker", "520000", SINCE),))
SHANGHAI_CASEWORKER = User("u-s", "caseworker.s", "上海办事员", (Grant("caseworker", "310000", SINCE),))


def kinds(items) -> list[tuple[str, str, date | None, bool]]:
    return [(i.kind, i.case_id, i.due_on, i.overdue) for i in items]


@pytest.mark.memory
def test_r8_an_overdue_assessment_waits_in_the_queue_with_the_date_it_was_due(rt, clock):
    on_time, late = recognize_many(rt, clock, D(2024, 6, 14), (1, "贵阳市大学生创业园"), (2, "遵义创业园"))
    # a month before the due date: both assessments are due soon (the horizon is 30 days)
    items, counts = work_queue(rt, GUIZHOU_CASEWORKER, D(2026, 5, 20))
    assert set(kinds(items)) == {("assessment", case, D(2026, 6, 15), False)
                                 for case in (on_time.case_id, late.case_id)}
    assert counts["assessment"] == 2
    on_time.act("record_assessment", D(2026, 6, 10), outcome="pass")
    late.until(D(2026, 6, 16))  # the sweep flags the late base's assessment the day after its deadline
    items, counts = work_queue(rt, GUIZHOU_CASEWORKER, D(2026, 6, 16))
    # the fired timer's due date (2026-06-14 was a Sunday: Monday the 15th), not recomputed
    assert kinds(items) == [("assessment", late.case_id, D(2026, 6, 15), True)]
    assert items[0].detail == "1.1" and items[0].group == "overdue" and counts["assessment"] == 1
    late.act("record_assessment", D(2026, 6, 22), outcome="pass")
    assert work_queue(rt, GUIZHOU_CASEWORKER, D(2026, 6, 22))[0] == []


@pytest.mark.memory
def test_r9_a_rectification_review_waits_in_the_queue_after_its_deadline(rt, clock):
    (story,) = recognize_many(rt, clock, D(2024, 7, 3), (1, "贵阳市大学生创业园"), inspected=D(2024, 5, 20))
    story.act("record_assessment", D(2026, 7, 1), outcome="fail")
    items, _ = work_queue(rt, GUIZHOU_CASEWORKER, D(2026, 9, 20))
    assert kinds(items) == [("rectification", story.case_id, D(2026, 10, 8), False)]
    story.until(D(2026, 10, 9))
    items, _ = work_queue(rt, GUIZHOU_CASEWORKER, D(2026, 10, 9))
    assert kinds(items) == [("rectification", story.case_id, D(2026, 10, 8), True)]


@pytest.mark.memory
def test_work_without_a_deadline_and_only_in_the_users_jurisdiction(rt, clock):
    applied = Story(rt, clock)
    applied.apply(D(2024, 4, 8), seed=1, base="毕节创业园")
    inspected = Story(rt, clock)
    inspected.apply(D(2024, 4, 8), seed=2, base="安顺创业园")
    inspected.act("inspect", D(2024, 5, 16), actor=INSPECTOR, outcome="pass")
    items, counts = work_queue(rt, GUIZHOU_CASEWORKER, D(2024, 5, 16))
    assert {(i.kind, i.case_id, i.group) for i in items} == {
        ("inspection", applied.case_id, "no_deadline"), ("approval", inspected.case_id, "no_deadline")}
    assert work_queue(rt, GUIZHOU_CASEWORKER, D(2024, 5, 16), kind="approval")[0][0].case_id == inspected.case_id
    assert [i.case_id for i in work_queue(rt, GUIZHOU_CASEWORKER, D(2024, 5, 16), q="毕节")[0]] == [applied.case_id]
    assert work_queue(rt, SHANGHAI_CASEWORKER, D(2024, 5, 16)) == ([], {})


def test_the_queue_is_read_in_the_same_few_statements_for_two_cases_or_eight(rt, engine, clock):
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    def statements_for(n: int, first_seed: int) -> tuple[int, int]:
        """(statements, cases in the queue) after n more bases are recognised."""
        recognize_many(rt, clock, D(2024, 6, 14), *((first_seed + i, f"创业园{first_seed + i}") for i in range(n)))
        seen.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            items, _ = work_queue(rt, GUIZHOU_CASEWORKER, D(2026, 6, 1))
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(seen), len({i.case_id for i in items})

    few, two = statements_for(2, 1)
    many, eight = statements_for(6, 10)
    assert (two, eight) == (2, 8)
    assert few == many <= 6, (few, many)
