"""What every service function is given: storage, a clock, the policies and the calendar."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from services.ports import UnitOfWork
from services.security_policy import SecurityPolicy
from statemachines.acts import business_date
from statemachines.policy import PolicyBook
from statemachines.workcalendar import WorkCalendar

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Runtime:
    uow: Callable[..., UnitOfWork]  # uow(read_only=True): see reads()
    clock: Clock
    policies: PolicyBook
    calendar: WorkCalendar
    security: SecurityPolicy = field(default_factory=SecurityPolicy)

    def reads(self) -> UnitOfWork:
        """A unit of work that only reads: it takes no write lock on SQLite (pages, queries and
        sign-in do not queue behind acts) and is a READ ONLY transaction on PostgreSQL."""
        return self.uow(read_only=True)

    def today(self) -> date:
        """The business date now (Asia/Shanghai): the day acts are dated and sweeps run for."""
        return business_date(self.clock())
