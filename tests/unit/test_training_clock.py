"""Issue 15, training mode: the clock on the training date, and the one rule of which database may run
in which mode (services.training)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.training import (
    REFRESH_SECONDS,
    TrainingClock,
    TrainingDatabaseNeedsTrainingMode,
    TrainingOnProduction,
    check_mode,
)

BEIJING = ZoneInfo("Asia/Shanghai")


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_issue15_the_clock_keeps_the_time_of_day_in_beijing_on_the_training_date():
    # 23:30 UTC is 07:30 the next morning in Beijing: the business date is the training date all the same
    clock = TrainingClock(lambda: date(2027, 3, 1), lambda: datetime(2026, 12, 2, 23, 30, tzinfo=UTC))
    now = clock()
    assert now.astimezone(BEIJING).date() == date(2027, 3, 1)
    assert now.astimezone(BEIJING).time().isoformat() == "07:30:00"


def test_issue15_no_date_set_yet_is_the_real_clock():
    real = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    assert TrainingClock(lambda: None, lambda: real)() == real


def test_issue15_a_moved_date_reaches_the_clock_within_the_refresh_and_at_once_after_forget():
    days, ticks = [date(2027, 3, 1)], Ticks()
    reads = []

    def read_day():
        reads.append(1)
        return days[-1]

    clock = TrainingClock(read_day, lambda: datetime(2026, 12, 3, 2, 0, tzinfo=UTC), ticks)
    assert clock.day() == date(2027, 3, 1)
    days.append(date(2028, 3, 1))
    assert clock.day() == date(2027, 3, 1) and len(reads) == 1  # the database is not read on every call
    ticks.now += REFRESH_SECONDS
    assert clock.day() == date(2028, 3, 1)
    days.append(date(2029, 3, 1))
    clock.forget()
    assert clock.day() == date(2029, 3, 1)


@pytest.mark.parametrize(("purpose", "training", "refused"), [
    ("production", False, None),
    ("training", True, None),
    ("production", True, TrainingOnProduction),
    ("training", False, TrainingDatabaseNeedsTrainingMode),
])
def test_issue15_training_mode_and_the_database_purpose_must_agree(purpose, training, refused):
    if refused is None:
        check_mode(purpose, training)
    else:
        with pytest.raises(refused):
            check_mode(purpose, training)
