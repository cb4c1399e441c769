"""A year's official calendar was loaded: recompute what was provisional (R16)."""
from __future__ import annotations

from dataclasses import dataclass, field

from services.runtime import Runtime
from statemachines import automatic
from statemachines.timers import timers_for


@dataclass
class RefreshReport:
    cases: int = 0
    timers_moved: int = 0
    events: int = 0
    changed: list[str] = field(default_factory=list)


def refresh_provisional(rt: Runtime) -> RefreshReport:
    """Every case with a provisional pending timer: its deadlines and timers on today's calendar."""
    report = RefreshReport()
    with rt.uow() as uow:
        case_ids = uow.timers.cases_with_provisional()
    for case_id in case_ids:
        with rt.uow() as uow:
            case = uow.cases.get(case_id, for_update=True)
            before = {t.ident: (t.due_on, t.provisional) for t in uow.timers.pending(case_id)}
            version = case.version
            policy = rt.policies.get(case.policy_id, case.policy_version)
            events = automatic.recompute_provisional(case, policy, rt.calendar, rt.clock())
            timers = timers_for(case, policy, rt.calendar)
            if events:
                uow.cases.save(case, version, events, timers, policy_of=rt.policies.get)
            else:
                uow.cases.sync_timers(case.id, timers)
            after = {t.ident: (t.due_on, t.provisional) for t in timers}
            moved = sum(1 for ident, value in after.items() if ident in before and before[ident] != value)
            uow.commit()
        report.cases += 1
        report.timers_moved += moved
        report.events += len(events)
        if moved or events:
            report.changed.append(case_id)
    return report
