"""Firing due timers: the system acts of the lifecycle, each at most once.

Each timer is handled in its own transaction (viewflow's timer sweep): claim the timer row
(`fired_at` set only where still empty), fire its act on the case, write both together. A
sweep that runs twice, overlaps another or dies half-way leaves the same result as one clean
run, because a claimed timer is never fired again and an unclaimed one is fired by the next
sweep. One bad case is reported and does not stop the sweep.

Sweeps scale out (issue 16): each transaction claims the next due timer that no concurrent one
holds (`FOR UPDATE SKIP LOCKED` on PostgreSQL, timer and case), so N sweeps or workers fire
disjoint timers instead of queueing on each other's row locks over the same due list. A claim
is a row lock of the open transaction, not a mark left in a row: a killed sweep's session ends,
its lock with it, and the timer is the next sweep's.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from services import reminders
from services.ports import DueTimer, UnitOfWork
from services.runtime import Runtime
from statemachines import automatic
from statemachines.acts import business_date
from statemachines.case import Case
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
    """Fires this timer: its events and how many escalation reminders it queued; None when
    another sweep claimed it first. Waits for its case if an act or another sweep holds it."""
    with rt.uow() as uow:
        case = uow.cases.get(due.case_id, for_update=True)
        if not uow.timers.claim(due.id, rt.clock()):
            uow.rollback()
            return None
        fired = _fire(rt, uow, case, due, channels, people)
        uow.commit()
    return fired


def _fire_next(rt: Runtime, as_of: date, skip: set[int], after: tuple[date, int] | None,
               channels: Sequence[str], people: reminders.Recipients, report: SweepReport) -> DueTimer | None:
    """Claims and fires (or reports) the next due timer after `after` that no one else holds
    (issue 16: concurrent sweeps take disjoint timers without waiting); None when there is none."""
    with rt.uow() as uow:
        due = uow.timers.claim_next(as_of, rt.clock(), skip, after)
        if due is None:
            return None
        try:
            fired = _fire(rt, uow, uow.cases.get(due.case_id, for_update=True), due, channels, people)
            uow.commit()
        except Exception as exc:  # one bad case is reported, and the sweep goes on (viewflow)
            _failed(report, skip, due, exc)
            return due
    _record(report, due, fired)
    return due


def _fire(rt: Runtime, uow: UnitOfWork, case: Case, due: DueTimer, channels: Sequence[str],
          people: reminders.Recipients | None) -> tuple[list[Event], int]:
    """The timer's act on its claimed, locked case, and its escalation.

    A deadline that passed also queues its escalation to the supervisors, in the same
    transaction, so the overdue flag and its notice exist together or not at all.
    """
    version = case.version
    policy = rt.policies.get(case.policy_id, case.policy_version)
    timer = Timer(due.kind, due.key, due.due_on)
    events = automatic.fire(case, policy, rt.calendar, timer, rt.clock())
    if not events:
        # the claim marked the timer fired: the case's queue items follow it, in this transaction
        uow.cases.sync_timers(case.id, timers_for(case, policy, rt.calendar))
        return events, 0
    uow.cases.save(case, version, events, timers_for(case, policy, rt.calendar), policy_of=rt.policies.get)
    return events, reminders.escalate(uow, rt.clock(), case, timer, events[0].on, channels, people, policy)


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
    """Claims the due timers one transaction each, in due order, until none is left unheld; then
    waits, timer by timer, for those still held (by a concurrent act on their case, or another
    sweep's firing), so that every timer due when the sweep began is fired or reported when it
    ends, as before.

    Each claim looks past the previous one; when nothing is left there, once more from the start,
    for the timers held when the sweep passed them and follow-ups added due at once behind it."""
    skip: set[int] = set()
    while True:
        after: tuple[date, int] | None = None
        while True:
            claimed = _fire_next(rt, as_of, skip, after, channels, people, report)
            if claimed is not None:
                after = (claimed.fires_on, claimed.id)
            elif after is not None:
                after = None
            else:
                break
        with rt.uow() as uow:
            held = [t for t in uow.timers.due(as_of, batch + len(skip)) if t.id not in skip]
        if not held:
            return
        for timer in held[:batch]:
            try:
                fired = fire_timer(rt, timer, channels, people)
            except Exception as exc:  # one bad case is reported, and the sweep goes on (viewflow)
                _failed(report, skip, timer, exc)
                continue
            if fired is None:
                skip.add(timer.id)  # another sweep fired it meanwhile
            else:
                _record(report, timer, fired)


def _record(report: SweepReport, due: DueTimer, fired: tuple[list[Event], int]) -> None:
    report.fired.append((due, fired[0]))
    report.reminders_planned += fired[1]


def _failed(report: SweepReport, skip: set[int], due: DueTimer, exc: Exception) -> None:
    log.exception("timer %s (%s %s) of case %s failed", due.id, due.kind, due.key, due.case_id)
    report.failed.append((due, f"{type(exc).__name__}: {exc}"))
    skip.add(due.id)
