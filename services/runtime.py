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
    # training mode (services.training): the clock runs on the training database's date, and `wall`
    # is the real one
    training: bool = False
    wall: Clock | None = None

    def reads(self) -> UnitOfWork:
        """A unit of work that only reads: it takes no write lock on SQLite (pages, queries and
        sign-in do not queue behind acts) and is a READ ONLY transaction on PostgreSQL."""
        return self.uow(read_only=True)

    def real_time(self) -> datetime:
        """The wall clock even in training mode: an authenticator app's one-time codes follow it."""
        return (self.wall or self.clock)()

    def today(self) -> date:
        """The business date now (Asia/Shanghai): the day acts are dated and sweeps run for."""
        return business_date(self.clock())
