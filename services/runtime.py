"""What every service function is given: storage, a clock, the policies and the calendar."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from services.ports import UnitOfWork
from statemachines.policy import PolicyBook
from statemachines.workcalendar import WorkCalendar

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Runtime:
    uow: Callable[[], UnitOfWork]
    clock: Clock
    policies: PolicyBook
    calendar: WorkCalendar
