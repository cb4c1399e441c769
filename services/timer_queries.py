"""Read-side questions about timers and reminders across cases."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.runtime import Runtime


@dataclass(frozen=True)
class TimerFilter:
    due_before: date | None = None
    kind: str | None = None
    overdue_on: date | None = None  # only timers whose day to act has passed by this date
    scopes: tuple[str, ...] | None = None
    limit: int = 100
    offset: int = 0


def find_timers(rt: Runtime, query: TimerFilter) -> list[dict]:
    with rt.reads() as uow:
        return uow.timers.search(query)


def find_reminders(rt: Runtime, *, case_id: str | None = None, status: str | None = None,
                   scopes: tuple[str, ...] | None = None, limit: int = 100, offset: int = 0) -> list[dict]:
    with rt.reads() as uow:
        return uow.reminders.search(case_id=case_id, status=status, scopes=scopes, limit=limit, offset=offset)


def reminders_of(rt: Runtime, case_id: str, statuses: tuple[str, ...] | None = None) -> list[dict]:
    """A case's reminders, all of them or those in the given statuses (filtered in the query)."""
    with rt.reads() as uow:
        return uow.reminders.search(case_id=case_id, status=statuses, limit=None)
