"""Read-side questions about timers and reminders across cases."""
from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from services.reminders import INBOX
from services.runtime import Runtime
from services.values import TimerFilter as TimerFilter
from services.values import User


def find_timers(rt: Runtime, query: TimerFilter) -> list[dict[str, Any]]:
    with rt.reads() as uow:
        return uow.timers.search(query)


def find_reminders(rt: Runtime, *, case_id: str | None = None, status: str | None = None,
                   scopes: tuple[str, ...] | None = None, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    with rt.reads() as uow:
        return uow.reminders.search(case_id=case_id, status=status, scopes=scopes, limit=limit, offset=offset)


def reminders_of(rt: Runtime, case_id: str, statuses: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """A case's reminders, all of them or those in the given statuses (filtered in the query)."""
    with rt.reads() as uow:
        return uow.reminders.search(case_id=case_id, status=statuses, limit=None)


def my_reminders(rt: Runtime, user: User, *, case_id: str | None = None, status: str | None = None,
                 limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """The user's in-app inbox (issue 15): the reminders and escalations sent to them, of the cases
    they may still read (a grant withdrawn takes its cases' reminders with it), escalations first,
    then the newest. The outbox keeps no read mark, so none is read before another."""
    with rt.reads() as uow:
        return uow.reminders.search(recipient=f"user:{user.username}", channel=INBOX, case_id=case_id,
                                    status=status, scopes=tuple(user.scopes()), limit=limit, offset=offset,
                                    inbox_order=True)


def deadlines_by_month(rt: Runtime, scopes: tuple[str, ...], today: date, months: int = 12) -> list[tuple[date, int]]:
    """(first day of the month, pending timers due in it) for this month, from today, and the
    months after it (issue 15: the dashboard's chart of deadlines), of the cases in these scopes:
    counted by the database a day at a time (issue 16), put in months here."""
    firsts = [_month_after(today.replace(day=1), n) for n in range(months + 1)]
    with rt.reads() as uow:
        days = uow.timers.due_counts(scopes, today, firsts[-1])
    counts = Counter[date]()
    for due_on, n in days:
        counts[due_on.replace(day=1)] += n
    return [(first, counts[first]) for first in firsts[:-1]]


def _month_after(first: date, n: int) -> date:
    months = first.month - 1 + n
    return date(first.year + months // 12, months % 12 + 1, 1)
