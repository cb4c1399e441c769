"""`incubase audit rebuild-figures`: the figures' projections (case_days, case_tallies) derived again
from every case's events, as migration 0017 back-filled them, and the dashboard's counters
(case_counts, year_counts: db/counts.py) counted again from the rows they stand for (issue 16).

The acts keep these rows in their own transaction and `audit verify` names any that differ from the
replay; this rewrites them all, a case at a time in a unit of work of its own, after a repair or an
upgrade that changed how they are derived. The events are the record; the rows only a cache of it.
"""
from __future__ import annotations

from services.queries import case_ids
from services.runtime import Runtime


def rebuild_figures(rt: Runtime, *, page: int = 200) -> int:
    """Rewrites every case's figure rows from its history; returns the number of cases."""
    done = 0
    for case_id in case_ids(rt, page=page):
        with rt.uow() as uow:
            case = uow.cases.get(case_id, for_update=True)  # no act of the case meanwhile
            uow.figures.rewrite(case_id, case.jurisdiction, uow.cases.events(case_id), rt.policies.get)
            uow.commit()
        done += 1
    with rt.uow() as uow:  # after every case's rows: the counters are counts of them
        uow.figures.recount()
        uow.commit()
    return done
