"""R21: assessments on the calendar (yearly campaigns), the earliest day an assessment may be
recorded, and "did not take part" recorded by the system. Runs on SQLite, PostgreSQL and the
in-memory storage.

Every expected date is worked out by hand: R15 (a period's first day is not counted), R16 (a
deadline to act on a rest day moves to the next working day of the official calendar: 2025-12-28
is a Sunday and, under the 2026 notice, no 调休 working day; 2027 has no notice loaded, so its
weekends are the provisional fallback).
"""
from __future__ import annotations

import copy
import tomllib
from datetime import date as D
from typing import Any

import pytest

from config import PROJECT_ROOT
from services.sweep import fire_timer
from services.timer_queries import reminders_of
from statemachines import acts, audit
from statemachines.errors import AssessmentNotOpen, InvalidAct
from statemachines.policy import Policy, policy_from_mapping
from statemachines.replay import replay
from statemachines.timers import awaiting_review
from tests.policy_variants import variant, with_policies
from tests.story import INSPECTOR, SUPERVISOR, Story

pytestmark = pytest.mark.memory

POLICIES = PROJECT_ROOT / "policies"
GUIZHOU = tomllib.loads((POLICIES / "guizhou-provincial-2022.v1.toml").read_text(encoding="utf-8"))
SHANGHAI = tomllib.loads((POLICIES / "shanghai-municipal.v1.toml").read_text(encoding="utf-8"))


def _policy(base: dict[str, Any], code: str, title: str, assessment: dict[str, Any], *,
            drop: tuple[str, ...] = (), **top: Any) -> Policy:
    data = copy.deepcopy(base)
    for section in drop:
        del data[section]
    data.update(id=f"test-{code}", jurisdiction=code, title=title, **top)
    data["assessment"] = {"clause": "测试用条款", "default": True, **assessment}
    data["bans"] = {**data["bans"], "assessment_failed": "3y"}
    return policy_from_mapping(data, where=f"test-{code}")


def baoan(**assessment: Any) -> Policy:
    """A district's yearly 考核 (a test's, shaped after Shenzhen Bao'an's): bases recognised at least a
    year by 11-30, results due 12-28 of the same year; not taking part, or failing once, cancels."""
    return _policy(GUIZHOU, "440306", "宝安区创业孵化基地考核（测试用）", {
        "schedule": "campaign",
        "campaign": {"eligible_after": "1y", "cutoff": "11-30", "results_due": "12-28", "results_year": "same"},
        "pass_grades": ["合格"], "fail_grades": ["不合格"], "missed_grade": "未参加考核", "missed": "fail",
        "revoke_after_consecutive_fails": 1, **assessment,
    }, drop=("application_window", "rectification"), level="county")


def shanghai_shape() -> Policy:
    """Shanghai's shape (a test's policy for 310104): year N assessed the next summer, 06-01 to 07-31,
    for bases recognised a full year by 12-31; A/B/C pass; two fails in a row, a miss counting as
    one, cancel the recognition."""
    return _policy(SHANGHAI, "310104", "上海市创业孵化示范基地年度评估（测试用）", {
        "schedule": "campaign",
        "campaign": {"eligible_after": "1y", "cutoff": "12-31", "results_due": "07-31", "results_year": "next",
                     "opens": "06-01"},
        "pass_grades": ["A", "B", "C"], "fail_grades": ["不达标"], "missed_grade": "未参加考核", "missed": "fail",
        "revoke_after_consecutive_fails": 2,
    })


# --- helpers ---------------------------------------------------------------------------------------

def finish(last: D, *stories: Story) -> None:
    """Sweep to the last date, then again: the second sweep adds nothing; every history replays
    to its snapshot, and every act cites a rule it may (the audit's history check)."""
    stories[0].until(last)
    again = stories[0].until(last)
    assert again.events == [], [(e.act, e.on) for e in again.events]
    for s in stories:
        assert replay(s.events, s.rt.policies.get) == s.case
        assert audit.check_history(s.case_id, s.events, s.rt.policies.get)[1] == []


def system(story: Story, act: str) -> list[D]:
    return [e.on for e in story.events if e.actor == "system" and e.act == act]


def assessments_due(story: Story) -> dict[str, D]:
    return {key: due for (kind, key), due in story.timers().items() if kind == "assessment"}


def allowed_on(story: Story, day: D) -> list[str]:
    case = story.case
    return acts.allowed_acts(case, story.rt.policies.get(case.policy_id, case.policy_version), day)


def recognized(rt, clock, seed: int, base: str, applied: D, inspected: D, approved: D, **where: str) -> Story:
    story = Story(rt, clock)
    story.apply(applied, seed=seed, base=base, **where)
    story.act("inspect", inspected, actor=INSPECTOR, outcome="pass")
    story.act("approve", approved, actor=SUPERVISOR)
    return story


# --- a yearly campaign: the district's shape -----------------------------------------------------------

def test_r21_a_yearly_campaign_passed_then_missed_revokes_with_a_ban(rt, clock):
    rt = with_policies(rt, baoan())
    where = {"level": "county", "jurisdiction": "440306"}
    days = (D(2024, 2, 20), D(2024, 3, 1), D(2024, 3, 10))
    story = recognized(rt, clock, 1, "宝安区青年创业园", *days, **where)
    late = recognized(rt, clock, 2, "宝安区留学生创业园", *days, **where)
    absent = recognized(rt, clock, 3, "宝安区大学生创业园", *days, **where)
    assert story.case.policy_id == "test-440306"
    # recognised 2024-03-10: not a year by 2024-11-30, so the first campaign is 2025's; the period
    # (5 years, to 2029-03-10) holds the cut-offs of 2025 to 2028. 2025-12-28 is a Sunday → Monday 12-29.
    assert assessments_due(story) == {"1.2025": D(2025, 12, 29), "1.2026": D(2026, 12, 28),
                                      "1.2027": D(2027, 12, 28), "1.2028": D(2028, 12, 28)}
    assert story.timers()[("assessment", "1.2025")] == D(2025, 12, 29)

    # the 2025 campaign opens on its cut-off day: not offered, and refused, before it
    assert "record_assessment" not in allowed_on(story, D(2025, 11, 29))
    assert "record_assessment" in allowed_on(story, D(2025, 11, 30))
    story.until(D(2025, 11, 28))
    version = story.case.version
    with pytest.raises(AssessmentNotOpen) as refused:
        story.act("record_assessment", D(2025, 11, 28), outcome="pass")
    assert (refused.value.rule, refused.value.details) == ("R21", {
        "assessment": "1.2025", "opens": "2025-11-30", "due": "2025-12-28"})
    assert "from 2025-11-30" in refused.value.message and story.case.version == version

    case = story.act("record_assessment", D(2025, 12, 8), outcome="pass").case
    assert case.state == "assessed"
    assert [(a.period, a.index, a.outcome, a.grade) for a in case.assessments] == [(1, 2025, "pass", "合格")]
    assert "1.2025" not in assessments_due(story)
    # the moved deadline is still in time: a result recorded on Monday 12-29 is no miss
    late.act("record_assessment", D(2025, 12, 29), outcome="pass")
    # the base that never took part: its miss is recorded the day after the deadline, and one fail revokes
    absent.until(D(2025, 12, 30))
    assert system(absent, "record_missed_assessment") == [D(2025, 12, 30)]
    assert absent.case.state == "revoked" and system(late, "record_missed_assessment") == []

    # 2026: the case takes no part; on 2026-12-28 (a Monday) it is still in time, as `late` is
    story.until(D(2026, 12, 28))
    assert system(story, "record_missed_assessment") == [] and story.case.state == "assessed"
    late.act("record_assessment", D(2026, 12, 28), outcome="pass")
    story.until(D(2026, 12, 29))
    missed, revoked = story.events[-2:]
    assert (missed.act, missed.actor, missed.rule, missed.on) == (
        "record_missed_assessment", "system", "R21", D(2026, 12, 29))
    assert (missed.payload["index"], missed.payload["outcome"], missed.payload["grade"]) == (
        2026, "missed", "未参加考核")
    assert missed.payload["timer"] == {"kind": "assessment", "key": "1.2026", "due_on": "2026-12-28"}
    assert "未参加" in missed.reason
    assert (revoked.act, revoked.rule, revoked.payload["ground"]) == ("revoke", "R14", "assessment_failed")
    case = story.case
    assert (case.state, case.revocation_ground) == ("revoked", "assessment_failed")
    assert (case.ban.ground, case.ban.first_day, case.ban.last_day) == (
        "assessment_failed", D(2026, 12, 29), D(2029, 12, 29))
    assert story.timers() == {("ban_end", "1"): D(2029, 12, 30)}
    # the base that did take part goes on to the next campaigns
    assert late.case.state == "assessed"
    assert assessments_due(late) == {"1.2027": D(2027, 12, 28), "1.2028": D(2028, 12, 28)}
    finish(D(2026, 12, 29), story, late, absent)


def test_r21_a_campaign_where_a_miss_is_only_flagged_takes_a_late_result_and_a_named_year(rt, clock):
    rt = with_policies(rt, baoan(missed="flag", revoke_after_consecutive_fails=2))
    story = recognized(rt, clock, 1, "宝安区青年创业园", D(2024, 2, 20), D(2024, 3, 1), D(2024, 3, 10),
                       level="county", jurisdiction="440306")
    story.until(D(2025, 11, 29))  # 30 days before the deadline: its first reminder
    story.until(D(2025, 12, 30))
    assert system(story, "flag_overdue_assessment") == [D(2025, 12, 30)]
    assert story.events[-1].reason == "2025年度考核逾期未记录（应于2025年12月29日前完成）"
    assert "assessment_overdue:1.2025" in story.case.flags
    assert awaiting_review(story.case) == [("assessment", "1.2025")]
    # the reminders name the campaign year, and the overdue notice goes to the supervisors
    subjects = {(r["step"], r["subject"]) for r in reminders_of(rt, story.case_id) if r["timer_kind"] == "assessment"}
    assert ("d30", "【到期提醒】宝安区青年创业园：2025年度绩效考核将于2025年12月29日到期（还有30天）") in subjects
    assert ("overdue", "【逾期督办】宝安区青年创业园：2025年度绩效考核已于2025年12月29日到期") in subjects
    # a year that is not owed, or a year named under a policy that assesses by period, is refused
    with pytest.raises(InvalidAct) as refused:
        story.act("record_assessment", D(2026, 1, 5), outcome="pass", campaign_year=2024)
    assert (refused.value.field, refused.value.rule) == ("campaign_year", "R21")
    assert "owed now: 2025, 2026, 2027, 2028" in refused.value.message
    # 2026's campaign may be named once it opens (11-30), before the late 2025 result comes in
    with pytest.raises(AssessmentNotOpen):
        story.act("record_assessment", D(2026, 11, 27), outcome="pass", campaign_year=2026)
    story.act("record_assessment", D(2026, 12, 1), outcome="pass", campaign_year=2026)
    case = story.act("record_assessment", D(2026, 12, 2), outcome="fail").case  # the oldest owed: 2025
    assert [(a.index, a.outcome) for a in case.assessments] == [(2026, "pass"), (2025, "fail")]
    assert "assessment_overdue:1.2025" not in case.flags and case.state == "recognized"
    assert case.consecutive_fails == 1
    finish(D(2026, 12, 2), story)


# --- a yearly campaign: Shanghai's shape ------------------------------------------------------------

def test_r21_two_consecutive_fails_a_miss_counting_as_one(rt, clock):
    rt = with_policies(rt, shanghai_shape())
    where = {"level": "municipal", "jurisdiction": "310104"}
    days = (D(2024, 1, 8), D(2024, 1, 15), D(2024, 3, 11))
    failed_then_missed = recognized(rt, clock, 11, "徐汇创业孵化基地", *days, **where)
    missed_then_failed = recognized(rt, clock, 12, "漕河泾创业孵化基地", *days, **where)
    passed_between = recognized(rt, clock, 13, "徐家汇创业孵化基地", *days, **where)
    assert failed_then_missed.case.policy_id == "test-310104"
    # recognised 2024-03-11 for 3 years (to 2027-03-11): campaigns 2025 and 2026, each assessed the
    # next summer; 2027-07-31 is a Saturday (provisional calendar) → Monday 2027-08-02
    assert assessments_due(failed_then_missed) == {"1.2025": D(2026, 7, 31), "1.2026": D(2027, 8, 2)}
    with pytest.raises(AssessmentNotOpen) as refused:
        failed_then_missed.act("record_assessment", D(2026, 5, 29), outcome="fail", grade="不达标")
    assert refused.value.details["opens"] == "2026-06-01"

    # a scale of four grades: a pass names its grade, one of A/B/C
    with pytest.raises(InvalidAct) as no_grade:
        passed_between.act("record_assessment", D(2026, 6, 15), outcome="pass")
    assert no_grade.value.field == "grade" and "A, B, C" in no_grade.value.message
    with pytest.raises(InvalidAct):
        passed_between.act("record_assessment", D(2026, 6, 15), outcome="pass", grade="不达标")
    passed_between.act("record_assessment", D(2026, 6, 15), outcome="pass", grade="B")
    case = failed_then_missed.act("record_assessment", D(2026, 6, 15), outcome="fail", grade="不达标").case
    assert (case.state, case.consecutive_fails) == ("recognized", 1)  # no rectification step in this shape

    # missed_then_failed never sends its 2025 result: the miss is recorded on 2026-08-01, one of two
    missed_then_failed.until(D(2026, 8, 1))
    assert system(missed_then_failed, "record_missed_assessment") == [D(2026, 8, 1)]
    assert (missed_then_failed.case.state, missed_then_failed.case.consecutive_fails) == ("recognized", 1)

    # the period ends 2027-03-11 with the 2026 campaign still ahead: a person decides (no automatic extension)
    failed_then_missed.until(D(2027, 3, 11))
    assert system(failed_then_missed, "open_reevaluation_review") == [D(2027, 3, 11)]
    assert "1.2026" in assessments_due(failed_then_missed)
    # its 2026 result, a fail, is the second in a row: the recognition is cancelled at once (R14)
    missed_then_failed.act("record_assessment", D(2027, 6, 10), outcome="fail", grade="不达标")
    revoked = missed_then_failed.events[-1]
    assert (revoked.act, revoked.actor, revoked.rule, revoked.on, revoked.payload["ground"]) == (
        "revoke", "system", "R14", D(2027, 6, 10), "assessment_failed")

    # failed_then_missed and passed_between take no part in 2026: misses recorded the day after 2027-08-02
    failed_then_missed.until(D(2027, 8, 2))
    assert system(failed_then_missed, "record_missed_assessment") == []
    failed_then_missed.until(D(2027, 8, 3))
    assert system(failed_then_missed, "record_missed_assessment") == [D(2027, 8, 3)]
    case = failed_then_missed.case
    assert (case.state, case.ban.ground, case.ban.last_day) == ("revoked", "assessment_failed", D(2030, 8, 3))
    assert [(a.index, a.grade) for a in case.assessments] == [(2025, "不达标"), (2026, "未参加考核")]
    # a pass between resets the count: one miss does not cancel
    case = passed_between.case
    assert (case.state, case.consecutive_fails) == ("recognized", 1)
    assert [(a.index, a.outcome, a.grade) for a in case.assessments] == [
        (2025, "pass", "B"), (2026, "missed", "未参加考核")]
    finish(D(2027, 8, 3), failed_then_missed, missed_then_failed, passed_between)


# --- the earliest day under the "period" schedule ----------------------------------------------------

def test_r21_no_assessment_before_its_earliest_day(rt, clock):
    hunan = variant("430000", assessment={"opens_before": "3m"})
    rt = with_policies(rt, hunan)
    story = recognized(rt, clock, 1, "长沙市创业园", D(2024, 4, 8), D(2024, 5, 16), D(2024, 6, 14),
                       jurisdiction="430000")
    # Guizhou as shipped, without the key: recordable the week after approval, as before
    guizhou = recognized(rt, clock, 2, "贵阳市大学生创业园", D(2024, 4, 8), D(2024, 5, 16), D(2024, 6, 14))
    guizhou.act("record_assessment", D(2024, 6, 21), outcome="pass")
    assert [(a.period, a.index) for a in guizhou.case.assessments] == [(1, 1)]
    # the "period" schedule keeps its keys: period.index
    assert assessments_due(story) == {"1.1": D(2026, 6, 15), "1.2": D(2028, 6, 14)}

    story.until(D(2024, 6, 21))
    version = story.case.version
    with pytest.raises(AssessmentNotOpen) as refused:
        story.act("record_assessment", D(2024, 6, 21), outcome="pass")
    # 3 months before the due date the policy sets (2026-06-14, a Sunday: due Monday 06-15)
    assert (refused.value.rule, refused.value.details) == ("R21", {
        "assessment": "1.1", "opens": "2026-03-14", "due": "2026-06-14"})
    assert str(refused.value) == ("assessment 1 of period 1 may be recorded from 2026-03-14 (due by 2026-06-14); "
                                  "2024-06-21 is before that")
    assert story.case.version == version and story.case.assessments == []
    assert "record_assessment" not in allowed_on(story, D(2026, 3, 13))
    assert "record_assessment" in allowed_on(story, D(2026, 3, 14))
    story.act("record_assessment", D(2026, 3, 16), outcome="pass")
    # the second opens three months before 2028-06-14
    with pytest.raises(AssessmentNotOpen) as second:
        story.act("record_assessment", D(2026, 3, 17), outcome="pass")
    assert second.value.details["opens"] == "2028-03-14"
    with pytest.raises(InvalidAct) as named:
        story.act("record_assessment", D(2026, 3, 17), outcome="pass", campaign_year=2026)
    assert named.value.field == "campaign_year"
    finish(D(2026, 3, 17), story, guizhou)


def test_r8_a_grade_scale_of_any_length(rt, clock):
    """Pass and fail grades of any number: each outcome names one of its own grades."""
    scale = variant("420000", assessment={"pass_grades": ["优秀", "良好", "合格", "基本合格"],
                                          "fail_grades": ["不合格", "差"]})
    rt = with_policies(rt, scale)
    story = recognized(rt, clock, 1, "武汉创业园", D(2024, 4, 8), D(2024, 5, 16), D(2024, 6, 14),
                       jurisdiction="420000")
    for outcome, grade in (("pass", None), ("pass", "差"), ("fail", "合格")):
        with pytest.raises(InvalidAct) as refused:
            story.act("record_assessment", D(2026, 6, 1), outcome=outcome, grade=grade)
        assert refused.value.field == "grade"
    story.act("record_assessment", D(2026, 6, 1), outcome="pass", grade="基本合格")
    case = story.act("record_assessment", D(2028, 6, 1), outcome="fail", grade="差").case
    assert [(a.index, a.grade) for a in case.assessments] == [(1, "基本合格"), (2, "差")]
    assert case.state == "rectifying"
    finish(D(2028, 6, 1), story)


# --- a miss the system records, under a policy with rectification; fired once -----------------------

def test_r21_a_miss_recorded_by_the_system_opens_rectification_once(rt, clock):
    guangxi = variant("450000", assessment={"missed": "fail", "missed_grade": "未参加考核"})
    rt = with_policies(rt, guangxi)
    story = recognized(rt, clock, 1, "南宁创业园", D(2024, 4, 8), D(2024, 5, 16), D(2024, 6, 14),
                       jurisdiction="450000")
    story.until(D(2026, 6, 15))  # due 2026-06-14, a Sunday: Monday 06-15 is still in time
    assert system(story, "record_missed_assessment") == []
    clock.set_day(D(2026, 6, 16))
    with rt.uow() as uow:
        due = [t for t in uow.timers.due(D(2026, 6, 16), 100) if t.case_id == story.case_id]
    assert [(t.kind, t.key) for t in due] == [("assessment", "1.1")]
    # two sweeps reaching the same timer: the first records the miss, the second finds it claimed
    first, second = fire_timer(rt, due[0]), fire_timer(rt, due[0])
    assert [e.act for e in first[0]] == ["record_missed_assessment"] and second is None
    assert story.until(D(2026, 6, 16)).events == []
    assert system(story, "record_missed_assessment") == [D(2026, 6, 16)]
    case = story.case
    # a failed assessment with its consequence: rectification within 3 months of 2026-06-16
    assert (case.state, case.rectification.deadline, case.consecutive_fails) == ("rectifying", D(2026, 9, 16), 1)
    assert [(a.index, a.outcome, a.grade, a.first_attempt) for a in case.assessments] == [
        (1, "missed", "未参加考核", True)]
    assert case.instalments[0].status == "withheld"
    assert story.timers()[("rectification", "1.1")] == D(2026, 9, 16)
    finish(D(2026, 6, 16), story)
