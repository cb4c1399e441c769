"""The work queue (services/work_queue.py): every kind of pending work of the cases in the user's
jurisdictions, its deadline the one stored with the timer (R8, R9, R10), read in a few statements
whatever the number of cases. Runs on SQLite, PostgreSQL and the in-memory storage."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

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
    items, counts = work_queue(rt, GUIZHOU_CASEWORKER, D(2026, 5, 20), kind="assessment")
    assert set(kinds(items)) == {("assessment", case, D(2026, 6, 15), False)
                                 for case in (on_time.case_id, late.case_id)}
    assert counts["assessment"] == 2
    on_time.act("record_assessment", D(2026, 6, 10), outcome="pass")
    late.until(D(2026, 6, 16))  # the sweep flags the late base's assessment the day after its deadline
    items, counts = work_queue(rt, GUIZHOU_CASEWORKER, D(2026, 6, 16), kind="assessment")
    # the fired timer's due date (2026-06-14 was a Sunday: Monday the 15th), not recomputed
    assert kinds(items) == [("assessment", late.case_id, D(2026, 6, 15), True)]
    assert items[0].detail == "1.1" and items[0].group == "overdue" and counts["assessment"] == 1
    late.act("record_assessment", D(2026, 6, 22), outcome="pass")
    assert work_queue(rt, GUIZHOU_CASEWORKER, D(2026, 6, 22), kind="assessment")[0] == []


@pytest.mark.memory
def test_r9_a_rectification_review_waits_in_the_queue_after_its_deadline(rt, clock):
    (story,) = recognize_many(rt, clock, D(2024, 7, 3), (1, "贵阳市大学生创业园"), inspected=D(2024, 5, 20))
    story.act("record_assessment", D(2026, 7, 1), outcome="fail")
    items, _ = work_queue(rt, GUIZHOU_CASEWORKER, D(2026, 9, 20), kind="rectification")
    assert kinds(items) == [("rectification", story.case_id, D(2026, 10, 8), False)]
    story.until(D(2026, 10, 9))
    items, _ = work_queue(rt, GUIZHOU_CASEWORKER, D(2026, 10, 9), kind="rectification")
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
        ("inspection", applied.case_id, "no_deadline"), ("approval", inspected.case_id, "awaiting")}
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
    # the counts, each group's page in two spans (dated, undated), whether PostgreSQL walks a group's
    # scope in order (db/work_items._walked), the snapshots
    assert few == many <= 8, (few, many)


# --- issue 15: the queue holds every kind of pending work, for the people who can do it ------------

GUIZHOU_SUPERVISOR = User("u-v", "supervisor.v", "贵州主管", (Grant("supervisor", "520000", SINCE),))
GUIZHOU_AUDITOR = User("u-a", "auditor.a", "贵州审计", (Grant("auditor", "520000", SINCE),))


def _recognized(rt, clock) -> Story:
    (story,) = recognize_many(rt, clock, D(2024, 6, 14), (1, "贵阳市大学生创业园"))
    return story


@pytest.mark.memory
def test_issue_15_an_overdue_annual_report_waits_in_the_queue_until_it_is_recorded(rt, clock):
    """issue 15: the work queue shows an overdue annual report (R7) to the caseworker, the dashboard's
    count and the queue now agree; recording the report takes it out."""
    story = _recognized(rt, clock)
    assert work_queue(rt, GUIZHOU_CASEWORKER, D(2025, 3, 20), kind="annual_report")[0] == []  # not yet late
    story.until(D(2025, 4, 1))  # the sweep flags the 2024 report the day after its deadline
    items, counts = work_queue(rt, GUIZHOU_CASEWORKER, D(2025, 4, 2), kind="annual_report")
    assert kinds(items) == [("annual_report", story.case_id, D(2025, 3, 31), True)]
    assert items[0].detail == "2024" and items[0].group == "overdue" and counts["annual_report"] == 1
    story.act("submit_annual_report", D(2025, 4, 3), year=2024)
    assert work_queue(rt, GUIZHOU_CASEWORKER, D(2025, 4, 3), kind="annual_report")[0] == []


@pytest.mark.memory
def test_issue_15_an_instalment_due_today_or_before_waits_until_it_is_paid(rt, clock):
    """issue 15: a subsidy instalment due today (R11) is the caseworker's record_payment, due on its
    day and overdue after; an auditor, who records no payment, has no such work."""
    story = _recognized(rt, clock)  # the grant falls due on the day of recognition
    items, _ = work_queue(rt, GUIZHOU_CASEWORKER, D(2024, 6, 14), kind="instalment")
    assert kinds(items) == [("instalment", story.case_id, D(2024, 6, 14), False)]
    assert items[0].group == "due_soon" and items[0].mine
    items, _ = work_queue(rt, GUIZHOU_CASEWORKER, D(2024, 6, 20), kind="instalment")
    assert kinds(items) == [("instalment", story.case_id, D(2024, 6, 14), True)]
    assert work_queue(rt, GUIZHOU_AUDITOR, D(2024, 6, 20))[0] == []
    amount = story.case.instalments[0].amount_fen
    story.act("record_payment", D(2024, 6, 21), number=1, amount_fen=amount)
    assert work_queue(rt, GUIZHOU_CASEWORKER, D(2024, 6, 21), kind="instalment")[0] == []


@pytest.mark.memory
def test_issue_15_a_suspended_case_is_the_supervisors_to_revoke_or_reinstate(rt, clock):
    """issue 15: a suspended case waits for 撤销 or 恢复 in the supervisor's queue; the caseworker sees it
    only in the read-only group of work awaiting a supervisor."""
    story = _recognized(rt, clock)
    story.act("suspend", D(2024, 9, 2), ground="fraud")
    mine, _ = work_queue(rt, GUIZHOU_SUPERVISOR, D(2024, 9, 3), kind="suspension")
    assert [(i.kind, i.case_id, i.group, i.mine) for i in mine] == [
        ("suspension", story.case_id, "no_deadline", True)]
    theirs, _ = work_queue(rt, GUIZHOU_CASEWORKER, D(2024, 9, 3), kind="suspension")
    assert [(i.kind, i.group, i.mine) for i in theirs] == [("suspension", "awaiting", False)]
    story.act("reinstate", D(2024, 9, 10), actor=GUIZHOU_SUPERVISOR.username)
    assert work_queue(rt, GUIZHOU_SUPERVISOR, D(2024, 9, 10), kind="suspension")[0] == []


@pytest.mark.memory
def test_issue_15_an_approval_is_not_the_caseworkers_nor_the_inspecting_supervisors(rt, clock):
    """issue 15 (R5, four eyes): 待批复 is a supervisor's; the caseworker and the supervisor who inspected
    see it read-only (awaiting), another supervisor has it as theirs; the auditor sees no casework."""
    story = Story(rt, clock)
    story.apply(D(2024, 4, 8), seed=3, base="六盘水创业园")
    story.act("inspect", D(2024, 5, 16), actor=GUIZHOU_SUPERVISOR.username, outcome="pass")
    other = User("u-w", "supervisor.w", "另一主管", (Grant("supervisor", "520000", SINCE),))
    groups = {who.username: [(i.kind, i.group) for i in work_queue(rt, who, D(2024, 5, 17))[0]]
              for who in (GUIZHOU_CASEWORKER, GUIZHOU_SUPERVISOR, other, GUIZHOU_AUDITOR)}
    assert groups == {"caseworker.q": [("approval", "awaiting")], "supervisor.v": [("approval", "awaiting")],
                      "supervisor.w": [("approval", "no_deadline")], "auditor.a": [("approval", "awaiting")]}


@pytest.mark.memory
def test_issue_15_an_application_round_closing_within_30_days_is_offered_to_who_takes_applications(rt):
    """issue 15: Guizhou's round (R1: 04-01 to 04-30) is shown from its first day as closing on 04-30, to
    a Guizhou caseworker and supervisor, not before it opens, not after it closes, not to an auditor nor
    to Shanghai of Guizhou's."""
    from services.rounds import closing_soon

    def closing(user, day):
        return [(p.id, w.closes) for p, w in closing_soon(rt, user, day, timedelta(days=30))
                if p.jurisdiction.startswith("52")]

    guizhou = closing(GUIZHOU_CASEWORKER, D(2024, 4, 10))
    assert guizhou and {closes for _, closes in guizhou} == {D(2024, 4, 30)}
    assert closing(GUIZHOU_SUPERVISOR, D(2024, 4, 30)) == guizhou
    assert closing(GUIZHOU_CASEWORKER, D(2024, 3, 31)) == [] and closing(GUIZHOU_CASEWORKER, D(2024, 5, 1)) == []
    assert closing(GUIZHOU_AUDITOR, D(2024, 4, 10)) == [] and closing(SHANGHAI_CASEWORKER, D(2024, 4, 10)) == []
