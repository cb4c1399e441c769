"""Firing due timers: the system acts of the lifecycle, each at most once.

Each timer is handled in its own transaction (viewflow's timer sweep): claim the timer row
(`fired_at` set only where still empty), fire its act on the case, write both together. A
sweep that runs twice, overlaps another or dies half-way leaves the same result as one clean
run, because a claimed timer is never fired again and an unclaimed one is fired by the next
sweep. One bad case is reported and does not stop the sweep.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from services import reminders
from services.ports import DueTimer
from services.runtime import Runtime
from statemachines import automatic
from statemachines.acts import business_date
from statemachines.errors import FutureDate
from statemachines.events import Event
from statemachines.timers import Timer, timers_for

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    as_of: date
    fired: list[tuple[DueTimer, list[Event]]] = field(default_factory=list)
    failed: list[tuple[DueTimer, str]] = field(default_factory=list)
    reminders_planned: int = 0

    @property
    def events(self) -> list[Event]:
        return [e for _, events in self.fired for e in events]


def day_to_sweep(as_of: date | None, now: datetime, time_travel: bool = False) -> date:
    """The business date a sweep runs for: today unless given; a later day only when time travel is on."""
    today = business_date(now)
    if as_of is None:
        return today
    if as_of > today and not time_travel:
        raise FutureDate(as_of, today)
    return as_of


def fire_timer(rt: Runtime, due: DueTimer, channels: Sequence[str] = (),
               people: reminders.Recipients | None = None) -> tuple[list[Event], int] | None:
    """Fires one timer: its events and how many escalation reminders it queued; None when
    another sweep claimed it first.

    A deadline that passed also queues its escalation to the supervisors, in the same
    transaction, so the overdue flag and its notice exist together or not at all.
    """
    with rt.uow() as uow:
        case = uow.cases.get(due.case_id, for_update=True)
        if not uow.timers.claim(due.id, rt.clock()):
            uow.rollback()
            return None
        version = case.version
        policy = rt.policies.get(case.policy_id, case.policy_version)
        events = automatic.fire(case, policy, rt.calendar, Timer(due.kind, due.key, due.due_on), rt.clock())
        if events:
            uow.cases.save(case, version, events, timers_for(case, policy, rt.calendar))
            escalated = reminders.escalate(uow, rt.clock(), case, Timer(due.kind, due.key, due.due_on),
                                           events[0].on, channels, people, policy)
        else:
            escalated = 0
        uow.commit()
    return events, escalated


def sweep(rt: Runtime, as_of: date, batch: int = 500, channels: Sequence[str] = ()) -> SweepReport:
    """Plans the reminders due on `as_of`, then fires every timer due by then, oldest first.

    Planning comes first so that a timer acted on the day it falls due (the end of a period, an
    instalment) still gets its reminder of the day before the act takes it away.
    """
    report = SweepReport(as_of)
    people = reminders.Recipients()
    report.reminders_planned = reminders.plan(rt, as_of, channels, people)
    _fire_all(rt, as_of, batch, channels, report, people)
    return report


def _fire_all(rt: Runtime, as_of: date, batch: int, channels: Sequence[str], report: SweepReport,
              people: reminders.Recipients) -> None:
    skip: set[int] = set()
    while True:
        with rt.uow() as uow:
            due = [t for t in uow.timers.due(as_of, batch + len(skip)) if t.id not in skip]
        if not due:
            return
        for timer in due[:batch]:
            try:
                fired = fire_timer(rt, timer, channels, people)
            except Exception as exc:  # one bad case is reported, and the sweep goes on (viewflow)
                log.exception("timer %s (%s %s) of case %s failed", timer.id, timer.kind, timer.key, timer.case_id)
                report.failed.append((timer, f"{type(exc).__name__}: {exc}"))
                skip.add(timer.id)
                continue
            if fired is not None:
                report.fired.append((timer, fired[0]))
                report.reminders_planned += fired[1]
            else:
                skip.add(timer.id)
