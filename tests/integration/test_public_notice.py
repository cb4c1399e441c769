"""R22: a public notice (公示) of N working days between the approval and the recognition, through
the services and the sweep. Runs on SQLite, PostgreSQL and the in-memory storage.

The policy is Guizhou's rules as Hunan's (a test's), with `public_notice.period = "5wd"`. Every
date is worked out by hand on the official calendar (R16): approved on Friday 2024-06-14, the
notice runs Monday 06-17 to Friday 06-21 (the start day not counted, R15); the sweep ends it on
Saturday 06-22 and the recognition is dated 06-21, the notice's last day.
"""
from __future__ import annotations

import dataclasses
import shutil
from datetime import date as D

import pytest

from config import PROJECT_ROOT
from services import cases
from services.calendar_refresh import refresh_provisional
from services.calendars import load_work_calendar
from services.stats import statistics
from statemachines import acts
from statemachines.case import Period
from statemachines.errors import FourEyesViolation, IllegalTransition, OpenCaseExists, OutsideNotice
from statemachines.replay import replay
from tests.policy_variants import variant, with_policies
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, Story

pytestmark = pytest.mark.memory

SUPERVISOR_2 = "supervisor.chen"
HUNAN = "430000"
NOTICE_CLAUSE = "测试用条款：拟认定名单公示5个工作日，公示无异议的予以认定"


def notice_policy():
    return variant(HUNAN, replace={"public_notice": {"period": "5wd", "clause": NOTICE_CLAUSE}})


def approved(rt, clock, on: D = D(2024, 6, 14), applied: D = D(2024, 4, 8), seed: int = 1) -> Story:
    story = Story(with_policies(rt, notice_policy()), clock)
    story.apply(applied, jurisdiction=HUNAN, base="长沙市创业园", seed=seed)
    story.act("inspect", D(applied.year, 5, 16), actor=INSPECTOR, outcome="pass")
    story.act("approve", on, actor=SUPERVISOR, reason="经审批，拟予认定，公示")
    return story


def objection(story: Story, on: D, objection_id: str = "yy-1"):
    return story.act("record_objection", on, summary="反映该基地在孵企业数量与申报材料不符", objection_id=objection_id)


def acts_of(story: Story) -> list[tuple[str, D, str]]:
    return [(e.act, e.on, e.actor) for e in story.events]


def finish(story: Story, last: D) -> None:
    """Sweeps up to the scenario's last day, then again: the second sweep adds nothing; replay agrees."""
    story.until(last)
    before = story.events
    assert story.until(last).events == []
    assert story.events == before
    assert replay(before, story.rt.policies.get) == story.case


def test_r22_a_notice_without_objection_recognises_at_its_end_and_the_period_counts_from_there(rt, clock):
    story = approved(rt, clock)
    case = story.case
    assert case.state == "publicized" and case.period is None and case.instalments == []
    assert (case.notice.first_day, case.notice.last_day) == (D(2024, 6, 17), D(2024, 6, 21))
    # the only timer during the notice is its end: no report, assessment or instalment before recognition
    assert story.timers() == {("public_notice", "1"): D(2024, 6, 22)}
    story.until(D(2024, 6, 21))
    assert story.case.state == "publicized"  # the last day is still within the notice
    story.until(D(2024, 6, 22))
    case = story.case
    assert case.state == "recognized" and case.recognized_on == D(2024, 6, 21)
    assert case.period == Period(1, D(2024, 6, 21), D(2029, 6, 21))
    assert story.system_events() == [("end_public_notice", D(2024, 6, 22)), ("instalment_due", D(2024, 6, 22))]
    end = next(e for e in story.events if e.act == "end_public_notice")
    assert (end.rule, end.payload["timer"]["kind"], end.payload["notice"]) == ("R22", "public_notice", 1)
    # the grant is due on the recognition date, and the timers count from the notice's end (R6–R11)
    assert [(i.due_on, i.status) for i in case.instalments] == [(D(2024, 6, 21), "due")]
    timers = story.timers()
    assert timers[("assessment", "1.1")] == D(2026, 6, 22)  # 2026-06-21 is a Sunday of 端午: moved
    assert timers[("annual_report", "2024")] == D(2025, 3, 31)
    assert timers[("reevaluation", "1")] == D(2029, 6, 21)
    assert ("public_notice", "1") not in timers
    finish(story, D(2024, 7, 1))


def test_r22_an_objection_dismissed_during_the_notice_lets_it_end_on_time(rt, clock):
    story = approved(rt, clock)
    objection(story, D(2024, 6, 18))
    assert story.timers() == {}  # the notice cannot end while the objection waits
    story.act("decide_objection", D(2024, 6, 20), actor=SUPERVISOR_2, objection_id="yy-1", decision="dismiss",
              reason="经核查，异议不成立")
    assert story.timers() == {("public_notice", "1"): D(2024, 6, 22)}
    story.until(D(2024, 6, 22))
    case = story.case
    assert case.state == "recognized" and case.period.start == D(2024, 6, 21)
    assert [(o.id, o.received_on, o.decision, o.decided_on) for o in case.objections] == [
        ("yy-1", D(2024, 6, 18), "dismiss", D(2024, 6, 20))]
    finish(story, D(2024, 7, 1))


def test_r22_an_undecided_objection_holds_the_recognition_until_it_is_dismissed(rt, clock):
    story = approved(rt, clock)
    objection(story, D(2024, 6, 21))  # on the last day: in time
    story.until(D(2024, 6, 28))
    assert story.case.state == "publicized" and story.system_events() == []  # the sweeps fired nothing
    result = story.act("decide_objection", D(2024, 7, 2), actor=SUPERVISOR_2, objection_id="yy-1",
                       decision="dismiss", reason="经核查，异议不成立")
    # past the notice's last day, the dismissal recognises at once, dated the day of the dismissal
    assert [(e.act, e.on) for e in result.events] == [("decide_objection", D(2024, 7, 2)),
                                                      ("end_public_notice", D(2024, 7, 2))]
    case = story.case
    assert case.state == "recognized" and case.period == Period(1, D(2024, 7, 2), D(2029, 7, 2))
    finish(story, D(2024, 7, 10))


def test_r22_an_upheld_objection_goes_back_to_inspected_and_the_case_is_refused(rt, clock):
    story = approved(rt, clock)
    with pytest.raises(OutsideNotice):  # the day after the approval is a Saturday: the notice starts Monday
        objection(story, D(2024, 6, 15))
    objection(story, D(2024, 6, 19))
    with pytest.raises(FourEyesViolation) as refused:  # who inspected may not decide it (R5)
        story.act("decide_objection", D(2024, 6, 20), actor=INSPECTOR, objection_id="yy-1", decision="uphold")
    assert refused.value.rule == "R5"
    story.act("decide_objection", D(2024, 6, 20), actor=SUPERVISOR_2, objection_id="yy-1", decision="uphold",
              reason="经核查，异议属实，退回重新审核")
    case = story.case
    assert case.state == "inspected" and case.notice.outcome == "objection_upheld"
    assert story.timers() == {}
    story.until(D(2024, 6, 24))
    assert story.case.state == "inspected"  # the old notice's end does nothing
    story.act("reject", D(2024, 6, 25), actor=SUPERVISOR_2, reason="经复核，不予认定")
    assert story.case.state == "rejected" and story.case.period is None
    assert [a for a, _, _ in acts_of(story)] == ["apply", "inspect", "approve", "record_objection",
                                                 "decide_objection", "reject"]
    finish(story, D(2024, 7, 1))


def test_r22_an_upheld_objection_then_a_new_approval_opens_a_second_notice(rt, clock):
    story = approved(rt, clock)
    objection(story, D(2024, 6, 19))
    story.act("decide_objection", D(2024, 6, 20), actor=SUPERVISOR_2, objection_id="yy-1", decision="uphold")
    story.act("approve", D(2024, 7, 5), actor=SUPERVISOR_2, reason="整改材料核实后重新批复")
    n = story.case.notice
    assert (n.number, n.first_day, n.last_day) == (2, D(2024, 7, 8), D(2024, 7, 12))
    assert story.timers() == {("public_notice", "2"): D(2024, 7, 13)}
    story.until(D(2024, 7, 13))
    assert story.case.state == "recognized" and story.case.period.start == D(2024, 7, 12)
    finish(story, D(2024, 7, 20))


def test_r22_r16_a_notice_in_working_days_over_the_national_day_holiday(rt, clock):
    # approved Friday 2025-09-26: Sunday 09-28 is a 调休 working day (1), 09-29 (2), 09-30 (3), then
    # 国庆节、中秋节 10-01 to 10-08 rest, 10-09 (4), 10-10 (5)
    story = approved(rt, clock, on=D(2025, 9, 26), applied=D(2025, 4, 8))
    n = story.case.notice
    assert (n.first_day, n.last_day, n.provisional) == (D(2025, 9, 28), D(2025, 10, 10), False)
    objection(story, D(2025, 10, 10))
    story.act("decide_objection", D(2025, 10, 10), actor=SUPERVISOR_2, objection_id="yy-1", decision="dismiss")
    clock.set_day(D(2025, 10, 11))  # before the night's sweep has run
    with pytest.raises(OutsideNotice):  # 10-11 is a make-up Saturday, but after the notice
        cases.ACTS["record_objection"](story.rt, story.case_id, on=D(2025, 10, 11), actor=CASEWORKER,
                                       reason="收到异议", summary="迟到的异议", objection_id="yy-2")
    story.until(D(2025, 10, 11))
    assert story.case.state == "recognized" and story.case.period.start == D(2025, 10, 10)
    finish(story, D(2025, 10, 20))


def test_r22_r16_a_provisional_notice_is_recomputed_when_the_years_calendar_arrives(rt, clock, tmp_path):
    partial = tmp_path / "cn"
    shutil.copytree(PROJECT_ROOT / "calendars" / "cn", partial)
    (partial / "notices" / "2025.toml").unlink()
    full = with_policies(rt, notice_policy())
    story = Story(dataclasses.replace(full, calendar=load_work_calendar(partial)), clock)
    story.apply(D(2025, 4, 8), jurisdiction=HUNAN, base="长沙市创业园")
    story.act("inspect", D(2025, 5, 16), actor=INSPECTOR, outcome="pass")
    story.act("approve", D(2025, 9, 26), actor=SUPERVISOR)
    # without 2025's notice: weekends and the statutory days only (国庆 10-01..03, 中秋 10-06), no 调休:
    # 09-29, 09-30, 10-07, 10-08, 10-09
    n = story.case.notice
    assert (n.first_day, n.last_day, n.provisional) == (D(2025, 9, 29), D(2025, 10, 9), True)
    story.rt = full  # the notice for 2025 is loaded
    clock.set_day(D(2025, 9, 27))
    report = refresh_provisional(full)
    assert (report.cases, report.events, report.changed) == (1, 1, [story.case_id])
    n = story.case.notice
    assert (n.first_day, n.last_day, n.provisional) == (D(2025, 9, 28), D(2025, 10, 10), False)
    moved = story.events[-1]
    assert (moved.act, moved.on, moved.rule, moved.actor) == ("reschedule_public_notice", D(2025, 9, 27), "R16",
                                                              "system")
    assert moved.payload["was"] == {"first_day": "2025-09-29", "last_day": "2025-10-09"}
    assert story.timers() == {("public_notice", "1"): D(2025, 10, 11)}
    assert refresh_provisional(full).events == 0  # nothing provisional is left
    story.until(D(2025, 10, 10))
    assert story.case.state == "publicized"
    story.until(D(2025, 10, 11))
    assert story.case.state == "recognized" and story.case.recognized_on == D(2025, 10, 10)
    finish(story, D(2025, 10, 20))


def test_r22_the_sweep_ends_the_notice_exactly_once(rt, clock):
    story = approved(rt, clock)
    first = story.until(D(2024, 6, 22))
    again = story.until(D(2024, 6, 22))
    later = story.until(D(2024, 6, 30))
    assert [e.act for e in first.events] == ["end_public_notice", "instalment_due"]
    assert again.events == [] and later.events == []
    assert [e.act for e in story.events].count("end_public_notice") == 1
    with pytest.raises(IllegalTransition):  # a person cannot end it either: it is the system's act
        cases.ACTS["record_objection"](story.rt, story.case_id, on=D(2024, 6, 30), actor=CASEWORKER,
                                       reason="迟到的异议", summary="x", objection_id="late")


def test_r22_r3_a_case_in_public_notice_is_open_for_the_application_and_the_database(rt, clock):
    story = approved(rt, clock)
    with pytest.raises(OpenCaseExists) as refused:  # the second application of the same base and level
        story.apply(D(2024, 6, 18), jurisdiction=HUNAN, base="长沙市创业园", window_exception="补报")
    assert refused.value.details["case_id"] == story.case_id
    # the storage holds R3 by itself too (ix_cases_one_open_per_base names publicized)
    first = story.case
    policy = story.rt.policies.get(first.policy_id, first.policy_version)
    clock.set_day(D(2024, 6, 18))
    with story.rt.uow() as uow:
        second, events = acts.open_application(
            case_id="second-case", base_id=first.base_id, base_name=first.base_name,
            operator_code=first.operator_code, level=first.level, jurisdiction=first.jurisdiction, policy=policy,
            calendar=story.rt.calendar, ctx=acts.Recording(CASEWORKER, D(2024, 4, 9), "并发申报", clock()))
        with pytest.raises(OpenCaseExists):
            uow.cases.add(second, events, [])


def test_r22_statistics_count_the_recognition_at_the_notices_end(rt, clock):
    story = approved(rt, clock, on=D(2024, 12, 27))  # a Friday: 12-30, 12-31, (元旦), 01-02, 01-03, 01-06
    n = story.case.notice
    assert (n.first_day, n.last_day) == (D(2024, 12, 30), D(2025, 1, 6))
    year_end = statistics(story.rt, HUNAN, 2024, D(2024, 12, 31))
    assert (year_end.in_public_notice, year_end.recognized, year_end.newly_recognized) == (1, 0, 0)
    story.until(D(2025, 1, 7))
    next_year = statistics(story.rt, HUNAN, 2025, D(2025, 1, 7))
    assert (next_year.in_public_notice, next_year.recognized, next_year.newly_recognized) == (0, 1, 1)
