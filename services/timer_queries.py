"""Read-side questions about timers and reminders across cases.

The pending timers are read by keyset (issue 16), as the case list is (services.case_listing): a
page ends with its last timer's (due date, case, kind, key), unique and the list's order, and the
next page is the timers after it, an index walk (ix_timers_pending_due) however far one reads. The
cursor people see is that key, opaque (base64 of JSON); the count stops at COUNT_CAP.
"""
from __future__ import annotations

import binascii
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from services.case_listing import InvalidCursor, pack_cursor, unpack_cursor
from services.reminders import INBOX
from services.runtime import Runtime
from services.values import TimerFilter as TimerFilter
from services.values import User

# a count of the pending timers costs a walk of them all: past this, "more than 1,000" is what a
# reader is told (a page's worth of them is read to show one; bench/README.md, b8)
COUNT_CAP = 1_000


@dataclass(frozen=True)
class TimerPage:
    rows: list[dict[str, Any]]
    total: int  # up to COUNT_CAP
    total_capped: bool  # more than `total` match
    next_after: tuple[date, str, str, str] | None  # the key of the page's last timer; None on the last page


def find_timers(rt: Runtime, query: TimerFilter) -> list[dict[str, Any]]:
    with rt.reads() as uow:
        return uow.timers.search(query)


def page_of_timers(rt: Runtime, query: TimerFilter) -> TimerPage:
    """A page of `query.limit` pending timers after `query.after`, and the capped count of them all."""
    with rt.reads() as uow:
        rows = uow.timers.search(replace(query, limit=query.limit + 1))  # one more: is there a next page
        # a first page that holds them all has counted them: a count that finds few walks far to find them
        total = len(rows) if query.after is None and len(rows) <= query.limit else uow.timers.count(query, COUNT_CAP)
    more, rows = len(rows) > query.limit, rows[:query.limit]
    return TimerPage(rows, min(total, COUNT_CAP), total > COUNT_CAP, timer_key(rows[-1]) if more else None)


def timer_key(row: dict[str, Any]) -> tuple[date, str, str, str]:
    return row["due_on"], row["case_id"], row["kind"], row["key"]


def encode_cursor(key: tuple[date, str, str, str]) -> str:
    due_on, case_id, kind, key_ = key
    return pack_cursor(["timers", due_on.isoformat(), case_id, kind, key_])


def decode_cursor(cursor: str) -> tuple[date, str, str, str]:
    """The key a cursor of this list holds; InvalidCursor for any other string (a case list's too)."""
    try:
        named, due_on, *rest = unpack_cursor(cursor)
        if named != "timers" or len(rest) != 3 or not all(isinstance(v, str) for v in (due_on, *rest)):
            raise InvalidCursor(cursor)
        return (date.fromisoformat(due_on), *rest)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor(cursor) from None


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
