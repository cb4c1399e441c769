"""R16: the official calendars from 2020 are loaded, so a case of a policy's first years (Guizhou's
is in force from 2022-07-22) gets its deadlines from the State Council's notices, none provisional."""
from __future__ import annotations

from datetime import date as D

import pytest

from services.calendars import default_calendar
from tests.story import INSPECTOR, SUPERVISOR, Story

pytestmark = pytest.mark.memory


def test_r16_a_case_of_2022_is_approved_on_the_official_calendar(rt, clock):
    story = Story(rt, clock)
    story.apply(D(2022, 8, 1), actor=SUPERVISOR, window_exception="政策2022年7月22日起施行，首批申报")
    story.act("inspect", D(2022, 8, 22), actor=INSPECTOR, outcome="pass")
    result = story.act("approve", D(2022, 9, 15), actor="supervisor.chen")
    assert result.case.state == "recognized"
    timers = {t.ident: t for t in result.timers}
    assert timers[("annual_report", "2022")].due_on == D(2023, 3, 31)
    # provisional only where the deadline falls in a year whose notice is not out yet (2027, 2028)
    assert {t.ident for t in result.timers if t.provisional} == {("annual_report", "2026"), ("annual_report", "2027")}


@pytest.mark.parametrize(("day", "working", "why"), [
    (D(2020, 2, 1), False, "春节"),          # a make-up Saturday until the break was extended to 2 February
    (D(2020, 1, 19), True, "调休上班"),
    (D(2022, 1, 29), True, "调休上班"),
    (D(2022, 10, 7), False, "国庆节"),
    (D(2023, 6, 25), True, "调休上班"),
    (D(2023, 9, 29), False, "中秋节、国庆节"),
])
def test_r16_the_notices_of_2020_to_2023_say_which_days_are_worked(day, working, why):
    info = default_calendar().day(day)
    assert (info.working, info.reason, info.provisional) == (working, why, False)
