"""The scheduled flows, run for real by Prefect: once in effect, on the legal dates (R1, R7–R16)."""
from __future__ import annotations

import dataclasses
import shutil
import threading
from datetime import date

import pytest

from config import PROJECT_ROOT
from flows import wiring
from flows.deadlines import (
    close_application_round,
    daily_anchor,
    deadline_sweep,
    open_application_round,
    refresh_provisional_dates,
)
from services import cases, users
from services.calendars import load_work_calendar
from services.queries import pending_timers
from statemachines.errors import FutureDate
from tests.story import INSPECTOR, SUPERVISOR, Story, credit_code

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def people(rt):
    users.add_user(rt, "caseworker.wang", "王芳", [("caseworker", "520000")])
    users.add_user(rt, INSPECTOR, "赵磊", [("caseworker", "520000")])
    users.add_user(rt, SUPERVISOR, "李强", [("supervisor", "520000")])


def _system_acts(story: Story) -> list[tuple[str, date]]:
    return [(e.act, e.on) for e in story.events if e.actor == "system"]


def test_r10_r7_the_sweep_flow_fires_on_the_legal_dates_and_twice_changes_nothing(rt, clock, people):
    story = Story(rt, clock)
    story.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14))
    story.act("record_assessment", date(2026, 6, 15), outcome="pass")
    story.act("record_assessment", date(2028, 6, 14), outcome="pass")
    with wiring.using(rt):
        for day in (date(2025, 4, 1), date(2026, 4, 1), date(2029, 6, 14)):
            clock.set_day(day)
            first = deadline_sweep(as_of=day)
            again = deadline_sweep(as_of=day)
            assert again["fired"] == 0 and again["events"] == 0
            assert not first["failed"]
    acts = _system_acts(story)
    # R7: reports for 2024 and 2025 overdue the day after 03-31; R10: extended on the period's last day
    assert ("flag_overdue_report", date(2025, 4, 1)) in acts
    assert ("flag_overdue_report", date(2026, 4, 1)) in acts
    assert ("extend", date(2029, 6, 14)) in acts
    assert len(acts) == len(set(acts))
    assert story.case.period.end == date(2034, 6, 14)


def test_r17_two_sweep_flows_at_once_fire_each_timer_once(rt, clock, people):
    stories = []
    for n in range(3):
        story = Story(rt, clock)
        story.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14), seed=n + 1, base=f"基地{n}")
        stories.append(story)
    stories[-1].until(date(2024, 6, 14))  # the last approval's instalment falls due that day
    clock.set_day(date(2025, 4, 1))
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        try:
            results.append(deadline_sweep(as_of=date(2025, 4, 1)))
        except Exception as exc:  # asserted below
            errors.append(exc)

    with wiring.using(rt):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(120)
    assert not errors
    assert sum(r["fired"] for r in results) == 3  # one overdue 2024 report per case, between the two runs
    for story in stories:
        assert [a for a in _system_acts(story) if a[0] == "flag_overdue_report"] == [
            ("flag_overdue_report", date(2025, 4, 1))]


def test_r17_a_sweep_killed_half_way_is_finished_by_the_next_run_exactly_once(rt, clock, people, monkeypatch):
    from statemachines import automatic

    stories = []
    for n in range(3):
        story = Story(rt, clock)
        story.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14), seed=n + 1, base=f"基地{n}")
        stories.append(story)
    stories[-1].until(date(2024, 6, 14))  # the last approval's instalment falls due that day
    clock.set_day(date(2025, 4, 1))
    real_fire, calls = automatic.fire, []

    def dying_fire(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("the worker was killed")
        return real_fire(*args, **kwargs)

    monkeypatch.setattr(automatic, "fire", dying_fire)
    with wiring.using(rt), pytest.raises(KeyboardInterrupt):
        deadline_sweep.fn(as_of=date(2025, 4, 1))
    monkeypatch.setattr(automatic, "fire", real_fire)
    with wiring.using(rt):
        finished = deadline_sweep(as_of=date(2025, 4, 1))
    assert finished["fired"] == 2 and not finished["failed"]
    for story in stories:
        assert [a for a in _system_acts(story) if a[0] == "flag_overdue_report"] == [
            ("flag_overdue_report", date(2025, 4, 1))]


def test_r16_a_future_day_is_refused_unless_time_travel_is_on(rt, clock):
    clock.set_day(date(2025, 1, 10))
    with wiring.using(rt, time_travel=False), pytest.raises(FutureDate):
        deadline_sweep(as_of=date(2025, 1, 11))
    with wiring.using(rt, time_travel=True):
        assert deadline_sweep(as_of=date(2025, 1, 11))["as_of"] == "2025-01-11"


def test_r1_rounds_open_and_close_once_and_count_the_applications(rt, clock, people):
    Story(rt, clock).apply(date(2025, 4, 8), seed=1, base="贵阳基地")
    Story(rt, clock).apply(date(2025, 4, 30), seed=2, base="遵义基地")
    clock.set_day(date(2025, 5, 1))
    with wiring.using(rt):
        opened = open_application_round(year=2025, as_of=date(2025, 4, 1))
        assert open_application_round(year=2025, as_of=date(2025, 4, 2)) == opened
        not_yet = close_application_round(year=2025, as_of=date(2025, 4, 30))
        closed = close_application_round(year=2025, as_of=date(2025, 5, 1))
    assert [(r["policy_id"], r["opened"], r["closed"]) for r in opened] == [("guizhou-provincial-2022", True, False)]
    assert not_yet[0]["closed"] is False
    assert (closed[0]["closed"], closed[0]["applications"]) == (True, 2)


def test_r16_provisional_deadlines_are_recomputed_when_the_year_is_loaded(rt, clock, people, tmp_path):
    partial_dir = tmp_path / "cn"
    shutil.copytree(PROJECT_ROOT / "calendars" / "cn", partial_dir)
    (partial_dir / "notices" / "2026.toml").unlink()
    before = dataclasses.replace(rt, calendar=load_work_calendar(partial_dir))
    story = Story(before, clock)
    story.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14))
    story.act("record_assessment", date(2026, 7, 1), outcome="fail")
    # 2026-10-01 + no notice: statutory 10-01..03 only, 10-04 a Sunday → provisional Monday 10-05
    assert story.case.rectification.deadline == date(2026, 10, 5) and story.case.rectification.provisional
    assert {t.ident: (t.due_on, t.provisional) for t in pending_timers(rt, story.case_id)}[
        ("rectification", "1.1")] == (date(2026, 10, 5), True)
    clock.set_day(date(2026, 7, 2))
    with wiring.using(rt):  # the full calendar, 2026 notice loaded: National Day runs to 10-07
        report = refresh_provisional_dates()
    assert report["events"] == 1
    case = cases.get_case(rt, story.case_id)
    assert (case.rectification.deadline, case.rectification.provisional) == (date(2026, 10, 8), False)
    assert {t.ident: (t.due_on, t.provisional) for t in pending_timers(rt, story.case_id)}[
        ("rectification", "1.1")] == (date(2026, 10, 8), False)
    rescheduled = [e for e in cases.history(rt, story.case_id) if e.act == "reschedule_rectification"]
    assert [(e.rule, e.payload["was"], e.payload["deadline"]) for e in rescheduled] == [
        ("R16", "2026-10-05", "2026-10-08")]


def test_r17_the_daily_anchor_flow_writes_each_day_once(rt, clock, people):
    clock.set_day(date(2025, 4, 8))
    Story(rt, clock).apply(date(2025, 4, 8), seed=9, base="六盘水基地")
    clock.set_day(date(2025, 4, 9))
    with wiring.using(rt):
        first = daily_anchor()
        again = daily_anchor()
    assert first == again and first["day"] == "2025-04-08" and first["cases"] == 1
    assert credit_code(9)  # the applicant of the anchored case
