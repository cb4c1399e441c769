"""Read-side questions about timers and reminders across cases."""
from __future__ import annotations

from typing import Any

from services.runtime import Runtime
from services.values import TimerFilter as TimerFilter


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
