"""Read-side questions that cross cases."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from services.ports import CaseFilter, CasePage, CaseSummary, PartyDetails
from services.runtime import Runtime
from statemachines.case import Case
from statemachines.timers import Timer


def list_cases(rt: Runtime, query: CaseFilter | None = None) -> list[CaseSummary]:
    return page_of_cases(rt, query or CaseFilter()).rows


def page_of_cases(rt: Runtime, query: CaseFilter) -> CasePage:
    with rt.reads() as uow:
        return uow.cases.summaries(query)


def count_cases(rt: Runtime) -> int:
    """How many cases there are, exactly (the verification's progress and shards)."""
    with rt.reads() as uow:
        return uow.cases.count()


def party_of(rt: Runtime, case: Case) -> PartyDetails | None:
    """Issue 15: the operator's name and contact and the base's address of a case its reader holds."""
    with rt.reads() as uow:
        return uow.cases.party_of(case.base_id)


def every_case(rt: Runtime, query: CaseFilter, page: int = 500) -> list[CaseSummary]:
    """All the cases a filter matches, read a page at a time by keyset (issue 16: each page costs
    the same however far in), each page in a unit of its own."""
    rows: list[CaseSummary] = []
    after = None
    while True:
        found = page_of_cases(rt, replace(query, limit=page, after=after, before=None))
        rows += found.rows
        if found.next_after is None:
            return rows
        after = found.next_after


def case_ids(rt: Runtime, *, jurisdiction: str | None = None, page: int = 500) -> Iterator[str]:
    """Every case id (in a jurisdiction), in id order, a page at a time: each page is read in a unit
    of its own, so a walk over every case neither holds one transaction open nor skips nor repeats
    a case as others are written (keyset, not offset)."""
    after = ""
    while True:
        with rt.reads() as uow:
            ids = uow.cases.ids_after(after, page, jurisdiction=jurisdiction)
        yield from ids
        if len(ids) < page:
            return
        after = ids[-1]


def pending_timers(rt: Runtime, case_id: str) -> list[Timer]:
    with rt.reads() as uow:
        uow.cases.get(case_id)
        return uow.timers.pending(case_id)
