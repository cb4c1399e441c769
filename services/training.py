"""Training mode (issue 15): the whole service runs on a business date a trainer sets, so a class can
walk a base through five years in an afternoon.

The date lives in the training database (`training_days`, the last one set), so the API, the pages,
the flows and every command share it and a trainer moves it without restarting anything; it only
moves forward, so no act is ever dated before one recorded earlier. A database records when it is
created whether it is for production or for training, and the two never mix: training mode on a
production database is refused, and so is a training database run without training mode (its acts
are dated in the trainers' future, and real work recorded there would be mistaken for practice).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime

from services.runtime import Clock, Runtime
from statemachines.acts import BUSINESS_ZONE, business_date
from statemachines.errors import DomainError

PRODUCTION, TRAINING = "production", "training"
# the setting that turns training mode on (config.Settings.training), as the refusals name it
SETTING = "INCUBASE_TRAINING"
# how long the clock trusts the date it last read: a date a trainer moves reaches every process within it
REFRESH_SECONDS = 1.0


class TrainingMismatch(DomainError):
    """The setting and the database's purpose disagree: nothing may start."""


class TrainingOnProduction(TrainingMismatch):
    code = "training-on-production"

    def __init__(self) -> None:
        super().__init__(setting=SETTING)


class TrainingDatabaseNeedsTrainingMode(TrainingMismatch):
    code = "training-database"

    def __init__(self) -> None:
        super().__init__(setting=f"{SETTING}=true")


class NotTrainingDatabase(DomainError):
    code = "not-training-database"

    def __init__(self) -> None:
        super().__init__()


class TrainingDateNotForward(DomainError):
    code = "training-date-not-forward"

    def __init__(self, day: date, current: date) -> None:
        super().__init__(day=day, current=current)


def check_mode(purpose: str, training: bool) -> None:
    """Refuses a database and a setting that disagree, before anything starts."""
    if training and purpose != TRAINING:
        raise TrainingOnProduction()
    if purpose == TRAINING and not training:
        raise TrainingDatabaseNeedsTrainingMode()


class TrainingClock:
    """The wall clock's time of day in Beijing on the training date: recorded times keep their order
    within a day and jump forward with the date, and an act's recording time falls on its business
    date as it does in production (which verification checks). `read_day` gives the date set now
    (None: none set yet, the real date)."""

    def __init__(self, read_day: Callable[[], date | None], wall: Clock,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.read_day, self.wall, self.monotonic = read_day, wall, monotonic
        self._day: date | None = None
        self._read_at: float | None = None

    def forget(self) -> None:
        """The date was moved here: read it again at the next call, not a second later."""
        self._read_at = None

    def day(self) -> date | None:
        now = self.monotonic()
        if self._read_at is None or now - self._read_at >= REFRESH_SECONDS:
            self._day, self._read_at = self.read_day(), now
        return self._day

    def __call__(self) -> datetime:
        real = self.wall()
        day = self.day()
        if day is None:
            return real
        return datetime.combine(day, real.astimezone(BUSINESS_ZONE).timetz())


def set_date(rt: Runtime, day: date, set_by: str) -> date:
    """Moves a training database's business date forward to `day`; returns the date it was."""
    with rt.uow() as uow:
        if uow.deployment.purpose() != TRAINING:
            raise NotTrainingDatabase()
        current = uow.deployment.training_day() or business_date(rt.real_time())
        if day <= current:
            raise TrainingDateNotForward(day, current)
        # when it was set, in real time: a trainer's act, not one of the class's
        uow.deployment.add_training_day(day, rt.real_time(), set_by)
        uow.commit()
    if isinstance(rt.clock, TrainingClock):
        rt.clock.forget()
    return current


def current_day(rt: Runtime) -> date:
    """The business date the training database runs on now; NotTrainingDatabase elsewhere."""
    with rt.reads() as uow:
        if uow.deployment.purpose() != TRAINING:
            raise NotTrainingDatabase()
        return uow.deployment.training_day() or rt.today()

