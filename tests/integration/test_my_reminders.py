"""issue 15, my reminders (services.timer_queries.my_reminders): the in-app reminders sent to one user,
escalations first, then the newest, only of cases the user may still read. On SQLite, PostgreSQL and
the in-memory storage alike."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.sweep import sweep
from services.timer_queries import my_reminders
from services.values import Grant, User
from tests.story import Story

SINCE = datetime(2020, 1, 1, tzinfo=UTC)


def _user(name: str, role: str, jurisdiction: str = "520000") -> User:
    return User(f"u-{name}", name, name, (Grant(role, jurisdiction, SINCE),))


@pytest.mark.memory
def test_issue_15_my_reminders_are_the_users_inbox_escalations_first_then_the_newest(rt, clock):
    story = Story(rt, clock)
    story.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14))
    story.until(date(2024, 6, 14))
    for day in (date(2025, 3, 24), date(2025, 4, 1)):
        clock.set_day(day)
        sweep(rt, day)
    wang = _user("caseworker.wang", "caseworker")
    rows = my_reminders(rt, wang)
    assert [(r["timer_kind"], r["step"], r["send_on"]) for r in rows] == [
        ("annual_report", "overdue", date(2025, 4, 1)),
        ("annual_report", "d7", date(2025, 3, 24)),
        ("instalment", "d0", date(2024, 6, 14))]
    assert {(r["recipient"], r["channel"]) for r in rows} == {("user:caseworker.wang", "inbox")}
    assert [r["step"] for r in my_reminders(rt, wang, limit=1, offset=1)] == ["d7"]
    assert [r["step"] for r in my_reminders(rt, wang, status="sent", case_id=story.case_id)] == [
        "overdue", "d7", "d0"]
    # the same name without a grant over the case any more: its reminders go with the case
    assert my_reminders(rt, _user("caseworker.wang", "caseworker", "310000")) == []
