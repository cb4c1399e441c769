"""One scenario per lifecycle rule (R1–R17 of docs/rules.md), on real business dates.

Every expected date below is computed by hand from the rules, not by the code under test:
R15 (the start day is not counted; a period ends on the corresponding day, or on the month's
last day where there is none; a *deadline for an act* that falls on a rest day moves to the
next working day of the official calendar — validity periods and bans never move) and the
official 2024–2026 holiday notices (2027 onwards is the provisional statutory fallback, R16).

Each scenario also checks two properties of the whole history:
- replay: folding the stored events from nothing gives the stored snapshot;
- automatic acts happen once: sweeping again up to the scenario's last date adds no event.
"""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from services import cases, users
from services.queries import list_cases, pending_timers
from services.users import UnknownInspector
from statemachines.errors import (
    BanInForce,
    DateOutOfOrder,
    FourEyesViolation,
    FutureDate,
    IllegalTransition,
    InvalidAct,
    NotDue,
    OpenCaseExists,
    WindowClosed,
)
from statemachines.replay import replay
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, Story, credit_code

# the rules hold whatever the storage: each scenario also runs on the in-memory ports
pytestmark = pytest.mark.memory

D = date
SHANGHAI = ZoneInfo("Asia/Shanghai")
SUPERVISOR_2 = "supervisor.chen"  # a second supervisor, for the four-eyes acts
SUBSIDY_FEN = 50_000_000  # 500,000 CNY (001 §三(六)二), all due on the day of recognition (policy default)


# --- helpers ---------------------------------------------------------------------------------

def assert_replays(story: Story) -> None:
    """The stored snapshot is exactly the case folded from its events (R17, replay)."""
    assert replay(story.events, story.rt.policies.get) == story.case


def finish(last: date, *stories: Story) -> None:
    """Ends a scenario: sweep up to its last date, then once more, which must add nothing."""
    stories[0].until(last)
    before = {s.case_id: s.events for s in stories}
    again = stories[0].until(last)
    assert again.events == [], f"a second sweep up to {last} fired {[(e.act, e.on) for e in again.events]}"
    for s in stories:
        assert s.events == before[s.case_id]
        assert_replays(s)


def system(story: Story, act: str) -> list[date]:
    """Business dates of the system events of one kind."""
    return [e.on for e in story.events if e.actor == "system" and e.act == act]


def states_along(story: Story) -> list[str]:
    """The state after each event, by replaying every prefix of the history."""
    events = story.events
    return [replay(events[: i + 1], story.rt.policies.get).state for i in range(len(events))]


def timers(story: Story):
    return {t.ident: t for t in pending_timers(story.rt, story.case_id)}


def dedupe(states: list[str]) -> list[str]:
    return [s for i, s in enumerate(states) if i == 0 or states[i - 1] != s]


def shanghai_apply(story: Story, on: date, seed: int, base: str, code: str | None = None):
    return story.apply(on, seed=seed, base=base, level="municipal", jurisdiction="310000",
                       credit_code=code or credit_code(seed, "310100"))


def recognize_many(rt, clock, approved: date, *bases: tuple[int, str], inspected: date | None = None) -> list[Story]:
    """Several Guizhou bases through the same round, act by act in date order."""
    stories = [Story(rt, clock) for _ in bases]
    for story, (seed, base) in zip(stories, bases, strict=True):
        story.apply(D(approved.year, 4, 8), seed=seed, base=base)
    for story in stories:
        story.act("inspect", inspected or D(approved.year, 5, 16), actor=INSPECTOR, outcome="pass")
    for story in stories:
        story.act("approve", approved, actor=SUPERVISOR)
    return stories


def recognize_guizhou(rt, clock, approved: date, *, seed: int = 1, base: str = "贵阳市大学生创业园",
                      applied: date | None = None, inspected: date | None = None) -> Story:
    story = Story(rt, clock)
    story.recognize(applied or D(approved.year, 4, 8), inspected or D(approved.year, 5, 16), approved,
                    seed=seed, base=base)
    return story


# --- R1 ----------------------------------------------------------------------------------------

def test_r1_application_outside_the_window_is_refused_unless_a_reasoned_exception(rt, clock):
    early = Story(rt, clock)
    with pytest.raises(WindowClosed) as refused:
        early.apply(D(2024, 3, 29))
    assert refused.value.rule == "R1"
    assert refused.value.details == {"opens": "2024-04-01", "closes": "2024-04-30"}
    assert "2024-04-01" in refused.value.message and "2024-04-30" in refused.value.message

    # both ends of the window are inside it
    first_day = Story(rt, clock)
    assert first_day.apply(D(2024, 4, 1), seed=2, base="遵义创业园").case.state == "applied"
    last_day = Story(rt, clock)
    assert last_day.apply(D(2024, 4, 30), seed=3, base="安顺创业园").case.state == "applied"

    late = Story(rt, clock)
    with pytest.raises(WindowClosed):
        late.apply(D(2024, 5, 6))
    assert len(list_cases(rt)) == 2  # nothing was written by the refusals

    reason = "4月30日申报系统故障，经审批人批准补充受理"
    result = late.apply(D(2024, 5, 6), window_exception=reason)
    assert result.case.state == "applied"
    assert result.case.window_exception == reason
    assert late.events[0].payload["window_exception"] == reason
    late.act("inspect", D(2024, 5, 20), actor=INSPECTOR, outcome="pass")
    approved = late.act("approve", D(2024, 6, 14), actor=SUPERVISOR).case
    assert approved.state == "recognized" and approved.window_exception == reason

    # the next year's window is the same policy dates in that year
    next_year = Story(rt, clock)
    with pytest.raises(WindowClosed) as refused:
        next_year.apply(D(2025, 5, 1), seed=4, base="六盘水创业园")
    assert refused.value.details == {"opens": "2025-04-01", "closes": "2025-04-30"}
    finish(D(2025, 5, 1), first_day, last_day, late)

    # an exception needs a reason: a blank one is no reasoned exception
    with pytest.raises(InvalidAct) as blank:
        next_year.apply(D(2025, 5, 1), seed=4, base="六盘水创业园", window_exception="   ")
    assert blank.value.field == "window_exception"
    assert len(list_cases(rt)) == 3


# --- R2 ----------------------------------------------------------------------------------------

def test_r2_a_banned_operator_cannot_apply_until_the_day_after_the_ban(rt, clock):
    old = recognize_guizhou(rt, clock, D(2024, 6, 14))
    old.act("submit_annual_report", D(2025, 3, 3), year=2024)
    for n, day in enumerate((D(2025, 3, 3), D(2025, 3, 10), D(2025, 3, 17)), start=1):
        old.act("record_complaint", day, complaint_id=f"c{n}", summary=f"入驻企业投诉{n}：承诺的服务未提供")
    for n in (1, 2, 3):
        old.act("verify_complaint", D(2025, 3, 24), complaint_id=f"c{n}", valid=True)
    assert old.case.state == "suspended"
    old.act("revoke", D(2025, 4, 15), actor=SUPERVISOR, ground="complaints")
    # 5 years from 2025-04-15, the start day not counted: the last day is 2030-04-15
    assert (old.case.ban.first_day, old.case.ban.last_day) == (D(2025, 4, 15), D(2030, 4, 15))

    again = Story(rt, clock)
    with pytest.raises(BanInForce) as refused:
        again.apply(D(2026, 4, 8))
    err = refused.value
    assert err.rule == "R2"
    assert err.details == {"case_id": old.case_id, "ground": "complaints", "level": "provincial",
                           "last_day": "2030-04-15"}
    assert "2030-04-15" in err.message and err.details["ground"] == "complaints" and "2030-04-16" in err.message

    # the ban covers the operator (by credit code), whatever base it names
    with pytest.raises(BanInForce):
        again.apply(D(2026, 4, 8), base="贵阳市大学生创业园二期")
    # and only the level it was imposed at
    other_level = Story(rt, clock)
    assert shanghai_apply(other_level, D(2026, 4, 8), 1, "贵阳市大学生创业园", credit_code(1)).case.state == "applied"

    # the ban's last day still bars; the sweep ends it the next day, and the application is accepted
    with pytest.raises(BanInForce):
        again.apply(D(2030, 4, 15))
    assert system(old, "end_ban") == []
    result = again.apply(D(2030, 4, 16))
    assert system(old, "end_ban") == [D(2030, 4, 16)]
    assert old.case.ban.ended_on == D(2030, 4, 16)
    assert result.case.state == "applied" and result.case.operator_code == old.case.operator_code
    assert result.case.base_id == old.case.base_id
    finish(D(2030, 4, 16), old, again, other_level)


# --- R3 ----------------------------------------------------------------------------------------

def test_r3_one_open_case_per_base_and_level(rt, clock):
    first = Story(rt, clock)
    first.apply(D(2024, 4, 8))

    second = Story(rt, clock)
    with pytest.raises(OpenCaseExists) as refused:
        second.apply(D(2024, 4, 10))
    assert refused.value.rule == "R3" and refused.value.details["case_id"] == first.case_id

    # the same base at another level, and another base of the same operator, may apply
    municipal = Story(rt, clock)
    result = shanghai_apply(municipal, D(2024, 4, 10), 1, "贵阳市大学生创业园", credit_code(1))
    assert result.case.state == "applied" and result.case.base_id == first.case.base_id
    sister = Story(rt, clock)
    assert sister.apply(D(2024, 4, 10), base="贵阳市大学生创业园二期").case.state == "applied"

    # once the first case has ended, the base may apply again at the same level
    first.act("inspect", D(2024, 4, 18), actor=INSPECTOR, outcome="fail", findings="孵化场地不足")
    assert first.case.state == "rejected"
    result = second.apply(D(2024, 4, 22))
    assert result.case.state == "applied" and result.case.base_id == first.case.base_id

    # a recognised case is open too: no second application next year
    second.act("inspect", D(2024, 5, 16), actor=INSPECTOR, outcome="pass")
    second.act("approve", D(2024, 6, 14), actor=SUPERVISOR)
    third = Story(rt, clock)
    with pytest.raises(OpenCaseExists) as refused:
        third.apply(D(2025, 4, 7))
    assert refused.value.details["case_id"] == second.case_id
    finish(D(2025, 4, 7), first, second, municipal, sister)


# --- R4, R5, R6 ----------------------------------------------------------------------------------

def staff(rt, *people: tuple[str, str, str]) -> None:
    for username, name, role in people:
        users.add_user(rt, username, name, [(role, "520000")])


def test_r4_inspection_fail_rejects_and_pass_records_the_inspection(rt, clock):
    staff(rt, (INSPECTOR, "赵磊", "caseworker"), ("caseworker.sun", "孙悦", "caseworker"))
    failed, passed = Story(rt, clock), Story(rt, clock)
    failed.apply(D(2024, 4, 8))
    passed.apply(D(2024, 4, 9), seed=2, base="遵义创业园")
    failed.act("inspect", D(2024, 5, 16), actor=INSPECTOR, outcome="fail",
               inspectors=[INSPECTOR, " Caseworker.Sun "], experts=["张教授（贵州大学）"], findings="在孵企业不足20户")
    case = failed.case
    assert (case.state, case.end_reason) == ("rejected", "inspection_failed")
    event = failed.events[-1]
    assert (event.act, event.on, event.rule) == ("inspect", D(2024, 5, 16), "R4")
    assert event.payload["inspectors"] == [INSPECTOR, "caseworker.sun"]  # users, by their normalised username
    assert event.payload["experts"] == ["张教授（贵州大学）"]  # outside experts, by name
    assert event.payload["findings"] == "在孵企业不足20户"

    passed.act("inspect", D(2024, 6, 3), actor=INSPECTOR, outcome="pass", findings="符合条件")
    assert passed.case.state == "inspected" and passed.case.inspected_by == INSPECTOR
    assert passed.events[-1].on == D(2024, 6, 3)
    assert passed.events[-1].payload["inspectors"] == [INSPECTOR]  # the recorder, when none are named
    with pytest.raises(IllegalTransition):
        failed.act("approve", D(2024, 6, 14), actor=SUPERVISOR)
    finish(D(2024, 6, 14), failed, passed)


def test_r5_approval_starts_the_period_and_refusal_rejects(rt, clock):
    approved, refused = Story(rt, clock), Story(rt, clock)
    approved.apply(D(2024, 4, 8))
    refused.apply(D(2024, 4, 9), seed=2, base="遵义创业园")
    approved.act("inspect", D(2024, 5, 16), actor=INSPECTOR, outcome="pass")
    refused.act("inspect", D(2024, 5, 17), actor=INSPECTOR, outcome="pass")
    with pytest.raises(FourEyesViolation):  # the inspector does not approve their own inspection
        approved.act("approve", D(2024, 6, 14), actor=INSPECTOR)
    case = approved.act("approve", D(2024, 6, 14), actor=SUPERVISOR).case
    assert case.state == "recognized" and case.recognized_on == D(2024, 6, 14)
    assert (case.period.number, case.period.start, case.period.end) == (1, D(2024, 6, 14), D(2029, 6, 14))

    case = refused.act("reject", D(2024, 6, 14), actor=SUPERVISOR).case
    assert (case.state, case.end_reason, case.period) == ("rejected", "rejected", None)
    with pytest.raises(IllegalTransition):
        refused.act("approve", D(2024, 6, 20), actor=SUPERVISOR)
    finish(D(2024, 6, 20), approved, refused)


def test_r5_four_eyes_compares_people_not_the_names_typed_for_them(rt, clock):
    # seen: a caseworker typed the supervisor's display name among the inspectors, and the
    # supervisor then approved an inspection they had taken part in
    staff(rt, (INSPECTOR, "赵磊", "caseworker"), (CASEWORKER, "王芳", "caseworker"), (SUPERVISOR, "李强", "supervisor"),
          (SUPERVISOR_2, "陈晨", "supervisor"))
    story = Story(rt, clock)
    story.apply(D(2024, 4, 8))
    before = story.events
    with pytest.raises(UnknownInspector) as refused:
        story.act("inspect", D(2024, 5, 16), actor=CASEWORKER, outcome="pass", inspectors=["李强", "王芳", "钱七"])
    assert refused.value.field == "inspectors" and refused.value.rule == "R5"
    assert refused.value.details["unknown"] == ["李强", "王芳", "钱七"]
    assert refused.value.details["usernames"] == {"李强": SUPERVISOR, "王芳": CASEWORKER}  # the hint, not a guess
    assert story.events == before and story.case.state == "applied"  # nothing written

    # the supervisor named as an inspecting user — in any spelling of the username — may not approve
    story.act("inspect", D(2024, 5, 16), actor=CASEWORKER, outcome="pass", inspectors=["ＳＵＰＥＲＶＩＳＯＲ.ＬＩ"],
              experts=["钱七"])
    assert story.case.inspectors == [SUPERVISOR]
    with pytest.raises(FourEyesViolation) as four_eyes:
        story.act("approve", D(2024, 6, 14), actor=SUPERVISOR)
    assert four_eyes.value.rule == "R5"
    assert story.act("approve", D(2024, 6, 14), actor=SUPERVISOR_2).case.state == "recognized"
    finish(D(2024, 6, 20), story)


def test_r6_the_recognition_period_is_five_years_to_the_corresponding_day(rt, clock):
    story = recognize_guizhou(rt, clock, D(2024, 6, 14))
    assert timers(story)[("reevaluation", "1")].due_on == D(2029, 6, 14)

    story.until(D(2029, 6, 13))
    assert story.case.state == "recognized"
    assert system(story, "open_reevaluation_review") == system(story, "extend") == []
    # the last day of the period is 2029-06-14: re-evaluation comes then, not before (no assessment
    # was recorded, so no automatic extension, R10)
    story.until(D(2029, 6, 14))
    assert system(story, "open_reevaluation_review") == [D(2029, 6, 14)]
    case = story.act("reevaluate", D(2029, 6, 20), actor=SUPERVISOR, decision="lapse").case
    assert (case.state, case.end_reason) == ("lapsed", "lapsed")
    assert timers(story) == {}
    finish(D(2029, 6, 20), story)


# --- R7 ----------------------------------------------------------------------------------------

def test_r7_annual_reports_are_due_each_year_and_flagged_the_day_after(rt, clock):
    story = recognize_guizhou(rt, clock, D(2024, 6, 14))
    due = {key: t.due_on for (kind, key), t in timers(story).items() if kind == "annual_report"}
    # one report per calendar year in force (2024–2029), due 03-31 of the next year, moved off rest days
    assert due == {
        "2024": D(2025, 3, 31), "2025": D(2026, 3, 31), "2026": D(2027, 3, 31), "2027": D(2028, 3, 31),
        "2028": D(2029, 4, 2),  # 2029-03-31 is a Saturday
        "2029": D(2030, 4, 1),  # 2030-03-31 is a Sunday
    }

    story.until(D(2025, 3, 31))  # the deadline day is still in time
    assert system(story, "flag_overdue_report") == []
    story.until(D(2025, 4, 1))
    assert system(story, "flag_overdue_report") == [D(2025, 4, 1)]
    flagged = [e for e in story.events if e.act == "flag_overdue_report"][0]
    assert flagged.payload["year"] == 2024 and flagged.rule == "R7"
    case = story.case
    assert case.state == "recognized"  # not a state change
    assert "annual_report_overdue:2024" in case.flags
    assert ("annual_report", "2024") not in timers(story)

    with pytest.raises(InvalidAct) as refused:  # a future year
        story.act("submit_annual_report", D(2025, 4, 10), year=2026)
    assert refused.value.rule == "R7" and refused.value.field == "year"
    with pytest.raises(InvalidAct):  # a year before recognition
        story.act("submit_annual_report", D(2025, 4, 10), year=2023)

    case = story.act("submit_annual_report", D(2025, 4, 10), year=2024).case  # late
    assert case.reports == {2024: D(2025, 4, 10)}
    assert "annual_report_overdue:2024" not in case.flags
    with pytest.raises(InvalidAct):  # one report per year
        story.act("submit_annual_report", D(2025, 4, 11), year=2024)

    story.act("submit_annual_report", D(2026, 3, 31), year=2025)  # on the deadline day: in time
    story.until(D(2026, 4, 1))
    assert system(story, "flag_overdue_report") == [D(2025, 4, 1)]
    assert story.case.reports == {2024: D(2025, 4, 10), 2025: D(2026, 3, 31)}
    assert not [f for f in story.case.flags if f.startswith("annual_report_overdue")]
    finish(D(2026, 4, 1), story)


# --- R8 ----------------------------------------------------------------------------------------

def test_r8_assessments_due_two_and_four_years_after_approval(rt, clock):
    story, late = recognize_many(rt, clock, D(2024, 6, 14), (1, "贵阳市大学生创业园"), (2, "遵义创业园"))
    due = {key: t.due_on for (kind, key), t in timers(story).items() if kind == "assessment"}
    # 2026-06-14 is a Sunday: the deadline moves to Monday 2026-06-15; 2028-06-14 is a Wednesday
    assert due == {"1.1": D(2026, 6, 15), "1.2": D(2028, 6, 14)}

    case = story.act("record_assessment", D(2026, 6, 10), outcome="pass").case
    assert case.state == "assessed"
    assert [(a.index, a.outcome, a.grade, a.first_attempt) for a in case.assessments] == [(1, "pass", "达标", True)]
    # the base that records nothing: flagged the day after its due date, not on it
    late.until(D(2026, 6, 15))
    assert system(late, "flag_overdue_assessment") == []
    late.until(D(2026, 6, 16))
    assert ("assessment", "1.1") not in timers(story)
    assert system(story, "flag_overdue_assessment") == []
    assert system(late, "flag_overdue_assessment") == [D(2026, 6, 16)]
    # the late assessment lowers the flag
    assert "assessment_overdue:1.1" in late.case.flags
    case = late.act("record_assessment", D(2026, 6, 22), outcome="pass").case
    assert case.state == "assessed" and "assessment_overdue:1.1" not in case.flags
    assert timers(late)[("assessment", "1.2")].due_on == D(2028, 6, 14)

    case = story.act("record_assessment", D(2028, 6, 8), outcome="fail").case
    assert case.state == "rectifying"
    # 3 months from 2028-06-08: 2028-09-08, a Friday
    assert (case.rectification.index, case.rectification.opened_on, case.rectification.deadline) == (
        2, D(2028, 6, 8), D(2028, 9, 8))
    event = story.events[-1]
    assert (event.payload["rectification"]["deadline"] == "2028-09-08"
            and event.payload["rectification"]["period"] == "3m")
    assert timers(story)[("rectification", "1.2")].due_on == D(2028, 9, 8)
    with pytest.raises(IllegalTransition):  # no new assessment while rectifying
        story.act("record_assessment", D(2028, 6, 9), outcome="pass")

    finish(D(2028, 6, 9), story, late)


# --- R9 ----------------------------------------------------------------------------------------

def test_r9_passed_rectification_returns_to_assessed(rt, clock):
    story = recognize_guizhou(rt, clock, D(2024, 7, 3), inspected=D(2024, 5, 20))
    story.act("record_assessment", D(2026, 7, 1), outcome="fail")
    assert story.case.rectification.deadline == D(2026, 10, 8)
    case = story.act("record_rectification", D(2026, 9, 15), outcome="pass").case
    assert case.state == "assessed" and case.rectification is None
    assert [(a.index, a.outcome, a.first_attempt) for a in case.assessments] == [(1, "fail", True), (1, "pass", False)]
    # the next assessment is still the period's second one, due 2028-07-03 (a Monday)
    assert ("rectification", "1.1") not in timers(story)
    assert timers(story)[("assessment", "1.2")].due_on == D(2028, 7, 3)
    story.until(D(2026, 10, 9))
    assert system(story, "open_rectification_review") == []
    assert story.case.state == "assessed"
    finish(D(2026, 10, 9), story)


def test_r9_failed_rectification_revokes_with_a_three_year_ban(rt, clock):
    story = recognize_guizhou(rt, clock, D(2024, 7, 3), inspected=D(2024, 5, 20))
    story.act("record_assessment", D(2026, 7, 1), outcome="fail")
    n = len(story.events)
    case = story.act("record_rectification", D(2026, 9, 29), outcome="fail").case
    assert [(e.act, e.actor, e.on, e.rule) for e in story.events[n:]] == [
        ("record_rectification", CASEWORKER, D(2026, 9, 29), "R9"),
        ("revoke", "system", D(2026, 9, 29), "R9"),
    ]
    assert (case.state, case.revocation_ground, case.end_reason) == ("revoked", "rectification_failed",
                                                                      "revoked:rectification_failed")
    # 3 years from 2026-09-29: last day 2029-09-29 (a Saturday: a ban does not move)
    assert (case.ban.ground, case.ban.level, case.ban.first_day, case.ban.last_day) == (
        "rectification_failed", "provincial", D(2026, 9, 29), D(2029, 9, 29))
    assert story.events[-1].payload["ban"]["length"] == "3y"
    assert timers(story) == {("ban_end", "1"): timers(story)[("ban_end", "1")]}
    assert timers(story)[("ban_end", "1")].due_on == D(2029, 9, 30)

    again = Story(rt, clock)
    with pytest.raises(BanInForce) as refused:
        again.apply(D(2029, 4, 9))
    assert refused.value.details["last_day"] == "2029-09-29"
    story.until(D(2029, 9, 29))
    assert system(story, "end_ban") == []
    story.until(D(2029, 9, 30))
    assert system(story, "end_ban") == [D(2029, 9, 30)]
    assert again.apply(D(2030, 4, 8)).case.state == "applied"
    finish(D(2030, 4, 8), story, again)


def test_r9_no_passing_reassessment_by_the_deadline_opens_a_review_then_revocation(rt, clock):
    story = recognize_guizhou(rt, clock, D(2024, 7, 3), inspected=D(2024, 5, 20))
    story.act("record_assessment", D(2026, 7, 1), outcome="fail")
    with pytest.raises(InvalidAct) as refused:  # no revocation for rectification before the review
        story.act("revoke", D(2026, 9, 1), actor=SUPERVISOR, ground="rectification_failed")
    assert refused.value.rule == "R9"
    story.until(D(2026, 10, 8))  # the deadline day is still in time
    assert system(story, "open_rectification_review") == []
    story.until(D(2026, 10, 9))
    assert system(story, "open_rectification_review") == [D(2026, 10, 9)]
    review = [e for e in story.events if e.act == "open_rectification_review"][0]
    assert review.rule == "R9" and review.payload["timer"]["due_on"] == "2026-10-08"
    assert story.case.state == "rectifying" and "rectification_review_due" in story.case.flags

    case = story.act("revoke", D(2026, 10, 12), actor=SUPERVISOR, ground="rectification_failed").case
    assert (case.state, case.ban.ground, case.ban.first_day, case.ban.last_day) == (
        "revoked", "rectification_failed", D(2026, 10, 12), D(2029, 10, 12))
    assert story.events[-1].payload["ban"]["length"] == "3y"
    finish(D(2026, 10, 12), story)


# --- R10 ---------------------------------------------------------------------------------------

def test_r10_all_first_assessments_passed_extends_automatically_then_a_review_in_the_second_period(rt, clock):
    story = recognize_guizhou(rt, clock, D(2024, 6, 14))
    for year in range(2024, 2029):
        story.act("submit_annual_report", D(year + 1, 3, 20), year=year)
        if year == 2024:
            # two valid complaints in the first period (below the threshold of 3)
            for n in (1, 2):
                story.act("record_complaint", D(2025, 3, 25), complaint_id=f"p1-{n}", summary="服务不到位")
            for n in (1, 2):
                story.act("verify_complaint", D(2025, 3, 26), complaint_id=f"p1-{n}", valid=True)
        if year == 2025:
            story.act("record_assessment", D(2026, 6, 10), outcome="pass")
        if year == 2027:
            story.act("record_assessment", D(2028, 6, 8), outcome="pass")
    assert story.case.state == "assessed"

    story.until(D(2029, 6, 13))
    assert system(story, "extend") == []
    story.until(D(2029, 6, 14))  # the period's last day
    assert system(story, "extend") == [D(2029, 6, 14)]
    extend = [e for e in story.events if e.act == "extend"][0]
    assert (extend.rule == "R10"
            and extend.payload["period"] == {"number": 2, "start": "2029-06-14", "end": "2034-06-14"})
    case = story.case
    assert case.state == "recognized"
    assert (case.period.number, case.period.start, case.period.end) == (2, D(2029, 6, 14), D(2034, 6, 14))
    assert system(story, "open_reevaluation_review") == []
    t = timers(story)
    # second period: 2031-06-14 is a Saturday → Monday 2031-06-16; 2033-06-14 a Tuesday
    assert (t[("assessment", "2.1")].due_on, t[("assessment", "2.2")].due_on) == (D(2031, 6, 16), D(2033, 6, 14))
    assert t[("reevaluation", "2")].due_on == D(2034, 6, 14)

    # complaints are counted per period (R12): one more valid complaint does not suspend
    story.act("submit_annual_report", D(2030, 3, 20), year=2029)
    story.act("record_complaint", D(2030, 5, 6), complaint_id="p2-1", summary="服务不到位")
    assert story.act("verify_complaint", D(2030, 5, 8), complaint_id="p2-1", valid=True).case.state == "recognized"

    story.act("submit_annual_report", D(2031, 3, 20), year=2030)
    story.act("record_assessment", D(2031, 6, 10), outcome="fail")
    assert story.case.rectification.deadline == D(2031, 9, 10)
    story.act("record_rectification", D(2031, 8, 20), outcome="pass")
    story.act("submit_annual_report", D(2032, 3, 20), year=2031)
    story.act("submit_annual_report", D(2033, 3, 20), year=2032)
    story.act("record_assessment", D(2033, 6, 8), outcome="pass")
    story.act("submit_annual_report", D(2034, 3, 20), year=2033)
    # the first assessment of the second period was failed once: no automatic extension
    story.until(D(2034, 6, 14))
    assert system(story, "extend") == [D(2029, 6, 14)]
    assert system(story, "open_reevaluation_review") == [D(2034, 6, 14)]
    assert story.case.state == "assessed" and "reevaluation_review_due" in story.case.flags
    case = story.act("reevaluate", D(2034, 6, 26), actor=SUPERVISOR, decision="extend").case
    assert case.state == "recognized"
    assert (case.period.number, case.period.start, case.period.end) == (3, D(2034, 6, 14), D(2039, 6, 14))
    assert "reevaluation_review_due" not in case.flags
    assert not [f for f in case.flags if "overdue" in f]
    finish(D(2034, 6, 26), story)


def test_r10_reevaluation_review_decides_extend_or_lapse(rt, clock):
    rectified, missing = recognize_many(rt, clock, D(2024, 6, 14), (1, "贵阳市大学生创业园"), (2, "遵义创业园"))
    rectified.act("record_assessment", D(2026, 6, 10), outcome="fail")
    missing.act("record_assessment", D(2026, 6, 10), outcome="pass")
    rectified.act("record_rectification", D(2026, 8, 3), outcome="pass")
    rectified.act("record_assessment", D(2028, 6, 8), outcome="pass")
    # `missing` never records its second assessment: flagged the day after 2028-06-14
    with pytest.raises(NotDue):
        rectified.act("reevaluate", D(2029, 6, 1), actor=SUPERVISOR, decision="extend")

    rectified.until(D(2029, 6, 14))
    for s in (rectified, missing):
        assert system(s, "extend") == []
        assert system(s, "open_reevaluation_review") == [D(2029, 6, 14)]
        assert "reevaluation_review_due" in s.case.flags
    assert system(missing, "flag_overdue_assessment") == [D(2028, 6, 15)]

    case = rectified.act("reevaluate", D(2029, 6, 25), actor=SUPERVISOR, decision="extend").case
    assert case.state == "recognized"
    assert (case.period.number, case.period.start, case.period.end) == (2, D(2029, 6, 14), D(2034, 6, 14))
    case = missing.act("reevaluate", D(2029, 6, 25), actor=SUPERVISOR, decision="lapse").case
    assert (case.state, case.end_reason) == ("lapsed", "lapsed")
    assert [i.status for i in case.instalments] == ["cancelled"]  # never paid: cancelled with the lapse
    with pytest.raises(IllegalTransition):
        missing.act("submit_annual_report", D(2029, 6, 26), year=2028)
    finish(D(2029, 6, 26), rectified, missing)


# --- R11 ---------------------------------------------------------------------------------------

def test_r11_subsidy_due_on_approval_withheld_released_paid_and_cancelled(rt, clock):
    paid, unpaid = Story(rt, clock), Story(rt, clock)
    paid.apply(D(2024, 4, 8))
    unpaid.apply(D(2024, 4, 9), seed=2, base="遵义创业园")
    paid.act("inspect", D(2024, 5, 16), actor=INSPECTOR, outcome="pass")
    unpaid.act("inspect", D(2024, 5, 16), actor=INSPECTOR, outcome="pass")
    case = paid.act("approve", D(2024, 6, 14), actor=SUPERVISOR).case
    inst = case.instalments[0]
    assert (len(case.instalments), inst.number, inst.due_on, inst.amount_fen, inst.status) == (
        1, 1, D(2024, 6, 14), SUBSIDY_FEN, "scheduled")
    assert timers(paid)[("instalment", "1")].due_on == D(2024, 6, 14)
    unpaid.act("approve", D(2024, 6, 14), actor=SUPERVISOR)
    paid.until(D(2024, 6, 14))  # the sweep of the approval day
    assert system(paid, "instalment_due") == [D(2024, 6, 14)]
    assert paid.case.instalments[0].status == "due"

    paid.act("suspend", D(2024, 7, 1), actor=SUPERVISOR, ground="fraud")
    assert paid.case.instalments[0].status == "withheld"
    with pytest.raises(IllegalTransition):
        paid.act("record_payment", D(2024, 7, 2), number=1, amount_fen=SUBSIDY_FEN)
    case = paid.act("reinstate", D(2024, 7, 15), actor=SUPERVISOR_2).case
    assert case.state == "recognized" and case.instalments[0].status == "due"
    with pytest.raises(InvalidAct):
        paid.act("record_payment", D(2024, 7, 20), number=1, amount_fen=SUBSIDY_FEN - 1)
    case = paid.act("record_payment", D(2024, 7, 20), number=1, amount_fen=SUBSIDY_FEN).case
    assert (case.instalments[0].status, case.instalments[0].paid_on) == ("paid", D(2024, 7, 20))
    with pytest.raises(NotDue):
        paid.act("record_payment", D(2024, 7, 21), number=1, amount_fen=SUBSIDY_FEN)
    case = paid.act("revoke", D(2025, 1, 10), actor=SUPERVISOR, ground="commitment_breach").case
    assert case.instalments[0].status == "paid"  # what was paid stays paid

    assert unpaid.case.instalments[0].status == "due"
    unpaid.act("record_assessment", D(2026, 6, 10), outcome="fail")
    assert unpaid.case.instalments[0].status == "withheld"  # withheld while rectifying
    with pytest.raises(IllegalTransition):
        unpaid.act("record_payment", D(2026, 6, 11), number=1, amount_fen=SUBSIDY_FEN)
    unpaid.act("record_rectification", D(2026, 8, 20), outcome="pass")
    assert unpaid.case.instalments[0].status == "due"  # released with the passed rectification
    unpaid.act("suspend", D(2026, 9, 1), actor=SUPERVISOR, ground="commitment_breach")
    assert unpaid.case.instalments[0].status == "withheld"
    case = unpaid.act("revoke", D(2026, 9, 10), actor=SUPERVISOR_2, ground="commitment_breach").case
    assert (case.state, case.instalments[0].status, case.instalments[0].paid_on) == ("revoked", "cancelled", None)
    assert system(unpaid, "instalment_due") == [D(2024, 6, 14)]  # due once, never again
    finish(D(2026, 9, 10), paid, unpaid)


# --- R12 ---------------------------------------------------------------------------------------

def test_r12_three_valid_complaints_suspend_automatically_and_revocation_bans_five_years(rt, clock):
    story = recognize_guizhou(rt, clock, D(2024, 6, 14))
    for n, day in enumerate((D(2025, 3, 3), D(2025, 3, 4), D(2025, 3, 5), D(2025, 3, 6)), start=1):
        story.act("record_complaint", day, complaint_id=f"c{n}", summary=f"入驻企业投诉{n}")
    story.act("verify_complaint", D(2025, 3, 10), complaint_id="c1", valid=True)
    story.act("verify_complaint", D(2025, 3, 10), complaint_id="c2", valid=False)  # not counted
    case = story.act("verify_complaint", D(2025, 3, 11), complaint_id="c3", valid=True).case
    assert case.state == "recognized" and case.valid_complaints_in_period() == 2
    assert system(story, "suspend") == []

    n = len(story.events)
    case = story.act("verify_complaint", D(2025, 3, 12), complaint_id="c4", valid=True).case
    assert [(e.act, e.actor, e.on) for e in story.events[n:]] == [
        ("verify_complaint", CASEWORKER, D(2025, 3, 12)), ("suspend", "system", D(2025, 3, 12))]
    suspend = story.events[-1]
    assert suspend.rule == "R12" and suspend.payload == {"ground": "complaints", "valid_complaints": 3,
                                                         "brought_about_by": CASEWORKER}
    assert (case.state, case.suspended_from, case.suspension_ground) == ("suspended", "recognized", "complaints")

    story.until(D(2025, 6, 2))  # the revocation waits for a supervisor
    assert story.case.state == "suspended" and system(story, "revoke") == []
    case = story.act("revoke", D(2025, 6, 3), actor=SUPERVISOR, ground="complaints").case
    assert (case.state, case.revocation_ground) == ("revoked", "complaints")
    assert (case.ban.first_day, case.ban.last_day) == (D(2025, 6, 3), D(2030, 6, 3))
    assert story.events[-1].payload["ban"]["length"] == "5y" and story.events[-1].rule == "R12"
    finish(D(2025, 6, 3), story)


# --- R13 ---------------------------------------------------------------------------------------

def test_r13_reinstatement_returns_to_the_state_suspended_from(rt, clock):
    story = recognize_guizhou(rt, clock, D(2024, 6, 14))
    story.act("record_assessment", D(2026, 6, 10), outcome="pass")
    case = story.act("suspend", D(2026, 7, 1), actor=SUPERVISOR, ground="fraud").case
    assert (case.state, case.suspended_from) == ("suspended", "assessed")
    case = story.act("reinstate", D(2026, 8, 3), actor=SUPERVISOR_2).case
    assert case.state == "assessed" and case.suspended_from is None
    assert story.events[-1].payload == {"back_to": "assessed"} and story.events[-1].rule == "R13"

    story.act("record_assessment", D(2028, 6, 8), outcome="fail")
    assert story.case.rectification.deadline == D(2028, 9, 8)
    story.act("suspend", D(2028, 7, 3), actor=SUPERVISOR, ground="commitment_breach")
    assert ("rectification", "1.2") not in timers(story)  # no review while suspended
    case = story.act("reinstate", D(2028, 8, 1), actor=SUPERVISOR_2).case
    assert case.state == "rectifying" and case.rectification.deadline == D(2028, 9, 8)
    assert case.instalments[0].status == "withheld"  # still rectifying: still withheld
    assert timers(story)[("rectification", "1.2")].due_on == D(2028, 9, 8)
    case = story.act("record_rectification", D(2028, 8, 20), outcome="pass").case
    assert case.state == "assessed" and case.instalments[0].status == "due"
    assert dedupe(states_along(story)) == [
        "applied", "inspected", "recognized", "assessed", "suspended", "assessed",
        "rectifying", "suspended", "rectifying", "assessed"]
    finish(D(2028, 8, 20), story)


def test_r13_who_verified_the_complaint_that_crossed_the_threshold_cannot_revoke(rt, clock):
    """issue 14 #3: one supervisor recorded and verified three complaints, the system suspended, and
    the same supervisor revoked. Who brought the suspension about counts as the suspender."""
    story = recognize_guizhou(rt, clock, D(2024, 6, 14))
    for n in (1, 2, 3):
        story.act("record_complaint", D(2025, 3, n), actor=SUPERVISOR, complaint_id=f"c{n}", summary=f"投诉{n}")
    for n in (1, 2, 3):
        story.act("verify_complaint", D(2025, 3, 10 + n), actor=SUPERVISOR, complaint_id=f"c{n}", valid=True)
    assert (story.case.suspended_by, story.events[-1].act, story.events[-1].actor) == (SUPERVISOR, "suspend", "system")
    story.until(D(2025, 4, 1))
    case = story.case
    assert case.state == "suspended"
    with pytest.raises(FourEyesViolation) as refused:
        story.act("revoke", D(2025, 4, 1), actor=SUPERVISOR, ground="complaints")
    assert refused.value.rule == "R13"
    assert story.case == case  # nothing recorded
    case = story.act("revoke", D(2025, 4, 1), actor=SUPERVISOR_2, ground="complaints").case
    assert case.state == "revoked"
    finish(D(2025, 4, 1), story)


# --- R14 ---------------------------------------------------------------------------------------

def test_r14_revocation_records_ground_ban_and_the_ban_ends_the_day_after_its_last_day(rt, clock):
    story = recognize_guizhou(rt, clock, D(2024, 6, 14))
    story.act("record_assessment", D(2026, 6, 10), outcome="pass")
    with pytest.raises(InvalidAct):  # follows from assessments, not revoked by hand
        story.act("revoke", D(2026, 11, 30), actor=SUPERVISOR, ground="assessment_failed")
    with pytest.raises(InvalidAct):  # only after a failed rectification or its review
        story.act("revoke", D(2026, 11, 30), actor=SUPERVISOR, ground="rectification_failed")
    with pytest.raises(InvalidAct):
        story.act("revoke", D(2026, 11, 30), actor=SUPERVISOR, ground="late")
    case = story.act("revoke", D(2026, 11, 30), actor=SUPERVISOR, ground="fraud").case  # at once, from in force
    assert (case.state, case.revocation_ground, case.end_reason) == ("revoked", "fraud", "revoked:fraud")
    assert (case.ban.ground, case.ban.level, case.ban.first_day, case.ban.last_day, case.ban.ended_on) == (
        "fraud", "provincial", D(2026, 11, 30), D(2031, 11, 30), None)
    revoke = story.events[-1]
    assert (revoke.rule, revoke.actor) == ("R12", SUPERVISOR)
    assert revoke.payload == {"ground": "fraud", "ban": {"level": "provincial", "length": "5y",
                                                          "first_day": "2026-11-30", "last_day": "2031-11-30"}}
    assert timers(story)[("ban_end", "1")].due_on == D(2031, 12, 1)

    story.until(D(2031, 11, 30))
    assert system(story, "end_ban") == [] and story.case.ban.ended_on is None
    story.until(D(2031, 12, 1))
    assert system(story, "end_ban") == [D(2031, 12, 1)]
    end = story.events[-1]
    assert (end.act, end.rule, end.payload["timer"]["due_on"]) == ("end_ban", "R14", "2031-12-01")
    case = story.case
    assert (case.state, case.ban.ended_on, case.ban.last_day) == ("revoked", D(2031, 12, 1), D(2031, 11, 30))
    assert timers(story) == {}
    finish(D(2031, 12, 1), story)


# --- R15 ---------------------------------------------------------------------------------------

def test_r15_civil_code_periods_deadlines_and_bans_from_a_leap_day(rt, clock):
    # Shanghai (no application window): one case recognised on 2024-02-29, two revoked that day
    leap, fraud, failed = Story(rt, clock), Story(rt, clock), Story(rt, clock)
    shanghai_apply(leap, D(2024, 1, 8), 11, "浦东创业孵化基地")
    shanghai_apply(fraud, D(2024, 1, 8), 12, "静安创业孵化基地")
    shanghai_apply(failed, D(2024, 1, 8), 13, "徐汇创业孵化基地")
    for s in (fraud, failed):
        s.act("inspect", D(2024, 1, 15), actor=INSPECTOR, outcome="pass")
        s.act("approve", D(2024, 1, 22), actor=SUPERVISOR)
    leap.act("inspect", D(2024, 2, 1), actor=INSPECTOR, outcome="pass")
    fraud.act("suspend", D(2024, 2, 20), actor=SUPERVISOR, ground="fraud")
    # the department's assessment campaign records an assessment when it runs
    failed.act("record_assessment", D(2024, 2, 26), outcome="fail", grade="不达标")

    case = leap.act("approve", D(2024, 2, 29), actor=SUPERVISOR).case
    # validity: 2027-02-29 does not exist → 2027-02-28, a Sunday, and a validity period does not move
    assert (case.period.start, case.period.end) == (D(2024, 2, 29), D(2027, 2, 28))
    t = timers(leap)
    # 2025-02-28 is a Friday; 2026-02-28 is a Saturday but a 调休 working day: neither moves
    assert (t[("assessment", "1.1")].due_on, t[("assessment", "1.2")].due_on) == (D(2025, 2, 28), D(2026, 2, 28))
    assert t[("reevaluation", "1")].due_on == D(2027, 2, 28)

    fraud.act("revoke", D(2024, 2, 29), actor=SUPERVISOR_2, ground="fraud")
    failed.act("record_assessment", D(2024, 2, 29), outcome="missed")
    # 5 years from 2024-02-29 → 2029-02-28; 3 years → 2027-02-28 (a Sunday: a ban does not move)
    assert (fraud.case.ban.ground, fraud.case.ban.first_day, fraud.case.ban.last_day) == (
        "fraud", D(2024, 2, 29), D(2029, 2, 28))
    assert (failed.case.ban.ground, failed.case.ban.first_day, failed.case.ban.last_day) == (
        "assessment_failed", D(2024, 2, 29), D(2027, 2, 28))
    assert timers(fraud)[("ban_end", "1")].due_on == D(2029, 3, 1)
    assert timers(failed)[("ban_end", "1")].due_on == D(2027, 3, 1)

    # Guizhou deadlines for an act: 3 months from 2026-07-01 is 2026-10-01, National Day → 2026-10-08;
    # 3 months from 2026-11-30 has no corresponding day → 2027-02-28, a Sunday → 2027-03-01
    rect, month_end = recognize_many(rt, clock, D(2024, 7, 3), (1, "贵阳市大学生创业园"), (2, "遵义创业园"),
                                     inspected=D(2024, 5, 20))
    rect.act("record_assessment", D(2026, 7, 1), outcome="fail")
    assert rect.case.rectification.deadline == D(2026, 10, 8)
    month_end.act("record_assessment", D(2026, 11, 30), outcome="fail")
    assert month_end.case.rectification.deadline == D(2027, 3, 1)
    assert system(rect, "open_rectification_review") == [D(2026, 10, 9)]

    leap.until(D(2027, 2, 28))
    assert system(failed, "end_ban") == []
    assert system(leap, "open_reevaluation_review") == [D(2027, 2, 28)]
    leap.until(D(2027, 3, 1))
    assert system(failed, "end_ban") == [D(2027, 3, 1)]
    assert system(month_end, "open_rectification_review") == []
    leap.until(D(2027, 3, 2))
    assert system(month_end, "open_rectification_review") == [D(2027, 3, 2)]
    fraud.until(D(2029, 2, 28))
    assert system(fraud, "end_ban") == []
    fraud.until(D(2029, 3, 1))
    assert system(fraud, "end_ban") == [D(2029, 3, 1)]
    finish(D(2029, 3, 1), leap, fraud, failed, rect, month_end)


# --- R16 ---------------------------------------------------------------------------------------

def test_r16_deadlines_in_years_without_an_official_calendar_are_provisional(rt, clock):
    story, = recognize_many(rt, clock, D(2024, 6, 14), (1, "贵阳市大学生创业园"))
    other, third = recognize_many(rt, clock, D(2024, 7, 3), (2, "遵义创业园"), (3, "安顺创业园"),
                                  inspected=D(2024, 5, 20))
    t = timers(story)
    provisional = {key: (tm.due_on, tm.provisional) for key, tm in t.items()
                   if key[0] in ("annual_report", "assessment")}
    assert provisional == {
        ("annual_report", "2024"): (D(2025, 3, 31), False),
        ("annual_report", "2025"): (D(2026, 3, 31), False),
        ("annual_report", "2026"): (D(2027, 3, 31), True),
        ("annual_report", "2027"): (D(2028, 3, 31), True),
        ("annual_report", "2028"): (D(2029, 4, 2), True),
        ("annual_report", "2029"): (D(2030, 4, 1), True),
        ("assessment", "1.1"): (D(2026, 6, 15), False),
        ("assessment", "1.2"): (D(2028, 6, 14), True),
    }
    # a rectification deadline in 2026, on the loaded official calendar
    other.act("record_assessment", D(2026, 7, 1), outcome="fail")
    assert (other.case.rectification.deadline, other.case.rectification.provisional) == (D(2026, 10, 8), False)
    timer = timers(other)[("rectification", "1.1")]
    assert (timer.due_on, timer.provisional) == (D(2026, 10, 8), False)
    third.act("record_assessment", D(2026, 7, 1), outcome="pass")
    timer = timers(third)[("assessment", "1.2")]
    assert (timer.due_on, timer.provisional) == (D(2028, 7, 3), True)
    # a rectification deadline that falls in 2027
    case = story.act("record_assessment", D(2026, 11, 30), outcome="fail").case
    assert (case.rectification.deadline, case.rectification.provisional) == (D(2027, 3, 1), True)
    assert story.events[-1].payload["rectification"] == {"deadline": "2027-03-01", "provisional": True, "period": "3m"}
    timer = timers(story)[("rectification", "1.1")]
    assert (timer.due_on, timer.provisional) == (D(2027, 3, 1), True)
    finish(D(2026, 11, 30), story, other, third)


# --- R17 ---------------------------------------------------------------------------------------

def test_r17_every_act_records_its_business_date_and_recording_time(rt, clock):
    story = Story(rt, clock)
    story.apply(D(2024, 4, 8))
    story.until(D(2024, 5, 20))
    # entered on 2024-05-20 for an inspection done on 2024-05-16
    story.act("inspect", D(2024, 5, 16), actor=INSPECTOR, outcome="pass")
    with pytest.raises(DateOutOfOrder) as refused:
        story.act("approve", D(2024, 5, 10), actor=SUPERVISOR)
    assert refused.value.rule == "R17" and refused.value.details == {"on": "2024-05-10", "previous": "2024-05-16"}
    with pytest.raises(FutureDate):  # today is 2024-05-20 in Shanghai
        cases.ACTS["approve"](rt, story.case_id, on=D(2024, 6, 1), actor=SUPERVISOR, reason="批复")
    assert len(story.events) == 2  # the refusals wrote nothing
    story.act("approve", D(2024, 6, 14), actor=SUPERVISOR)
    story.until(D(2024, 6, 14))

    events = story.events
    assert [(e.act, e.on, e.actor) for e in events] == [
        ("apply", D(2024, 4, 8), CASEWORKER),
        ("inspect", D(2024, 5, 16), INSPECTOR),
        ("approve", D(2024, 6, 14), SUPERVISOR),
        ("instalment_due", D(2024, 6, 14), "system"),
    ]
    at_ten = lambda day: datetime.combine(day, time(10, 0), tzinfo=SHANGHAI)  # noqa: E731
    assert events[0].recorded_at == at_ten(D(2024, 4, 8))
    assert events[1].recorded_at.astimezone(SHANGHAI).date() == D(2024, 5, 20)  # recorded later than it happened
    assert events[1].recorded_at > at_ten(D(2024, 5, 20))
    assert events[2].recorded_at == at_ten(D(2024, 6, 14))
    assert events[3].recorded_at > events[2].recorded_at
    for e in events:
        assert e.recorded_at.tzinfo is not None and e.recorded_at.astimezone(SHANGHAI).date() >= e.on
        assert e.reason.strip()
    # append-only and chained: later acts never change earlier events
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    story.act("record_assessment", D(2026, 6, 10), outcome="pass")
    assert story.events[:4] == events
    finish(D(2026, 6, 10), story)


# --- a policy of another shape -------------------------------------------------------------------

def test_shanghai_policy_grades_and_two_consecutive_fails_revoke_without_rectification(rt, clock):
    story = Story(rt, clock)
    shanghai_apply(story, D(2024, 1, 8), 21, "杨浦创业孵化基地")  # no application window
    story.act("inspect", D(2024, 1, 15), actor=INSPECTOR, outcome="pass")
    case = story.act("approve", D(2024, 2, 1), actor=SUPERVISOR).case
    assert (case.period.start, case.period.end) == (D(2024, 2, 1), D(2027, 2, 1))  # 3 years
    assert case.instalments == []  # this policy has no subsidy
    t = timers(story)
    # yearly: 2025-02-01 falls in the 2025 Spring Festival holiday (01-28 to 02-04) → Wednesday
    # 2025-02-05; 2026-02-01 is a Sunday → Monday 2026-02-02
    assert (t[("assessment", "1.1")].due_on, t[("assessment", "1.2")].due_on) == (D(2025, 2, 5), D(2026, 2, 2))

    for outcome, grade in (("pass", "D"), ("pass", "不达标"), ("pass", None), ("fail", "A"), ("fail", "达标")):
        with pytest.raises(InvalidAct):
            story.act("record_assessment", D(2025, 1, 20), outcome=outcome, grade=grade)
    story.act("record_assessment", D(2025, 1, 20), outcome="pass", grade="A")
    case = story.act("record_assessment", D(2026, 1, 26), outcome="pass", grade="B").case
    assert case.state == "assessed"

    # every assessment passed, and still this policy does not extend automatically
    story.until(D(2027, 2, 1))
    assert system(story, "extend") == [] and system(story, "open_reevaluation_review") == [D(2027, 2, 1)]
    case = story.act("reevaluate", D(2027, 2, 10), actor=SUPERVISOR, decision="extend").case
    assert (case.period.number, case.period.start, case.period.end) == (2, D(2027, 2, 1), D(2030, 2, 1))
    t = timers(story)
    assert (t[("assessment", "2.1")].due_on, t[("assessment", "2.2")].due_on) == (D(2028, 2, 1), D(2029, 2, 1))

    case = story.act("record_assessment", D(2028, 1, 24), outcome="fail", grade="不达标").case
    assert (case.state, case.rectification, case.consecutive_fails) == ("recognized", None, 1)
    assert not [k for k in timers(story) if k[0] == "rectification"]
    with pytest.raises(IllegalTransition):
        story.act("record_rectification", D(2028, 1, 25), outcome="pass", grade="C")
    story.until(D(2029, 1, 29))
    n = len(story.events)
    case = story.act("record_assessment", D(2029, 1, 29), outcome="missed").case
    assert [(e.act, e.actor, e.on) for e in story.events[n:]] == [
        ("record_assessment", CASEWORKER, D(2029, 1, 29)), ("revoke", "system", D(2029, 1, 29))]
    assert story.events[n].payload["grade"] == "未参加考核"
    assert (case.state, case.revocation_ground) == ("revoked", "assessment_failed")
    # 3 years from 2029-01-29
    assert (case.ban.ground, case.ban.first_day, case.ban.last_day) == (
        "assessment_failed", D(2029, 1, 29), D(2032, 1, 29))
    assert story.events[-1].payload["ban"]["length"] == "3y"
    assert "rectifying" not in states_along(story)
    assert [a.grade for a in case.assessments] == ["A", "B", "不达标", "未参加考核"]

    again = Story(rt, clock)
    with pytest.raises(BanInForce) as refused:
        shanghai_apply(again, D(2032, 1, 29), 21, "杨浦创业孵化基地")
    assert refused.value.details["ground"] == "assessment_failed" and refused.value.details["last_day"] == "2032-01-29"
    assert shanghai_apply(again, D(2032, 1, 30), 21, "杨浦创业孵化基地").case.state == "applied"
    assert system(story, "end_ban") == [D(2032, 1, 30)]
    finish(D(2032, 1, 30), story, again)
