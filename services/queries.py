"""Read-side questions that cross cases."""
from __future__ import annotations

from services.ports import CaseFilter, CaseSummary
from services.runtime import Runtime
from statemachines.timers import Timer


def list_cases(rt: Runtime, query: CaseFilter | None = None) -> list[CaseSummary]:
    return page_of_cases(rt, query or CaseFilter())[0]


def page_of_cases(rt: Runtime, query: CaseFilter) -> tuple[list[CaseSummary], int]:
    with rt.reads() as uow:
        return uow.cases.summaries(query)


def pending_timers(rt: Runtime, case_id: str) -> list[Timer]:
    with rt.reads() as uow:
        uow.cases.get(case_id)
        return uow.timers.pending(case_id)
