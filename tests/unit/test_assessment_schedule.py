"""R21 in the pure domain: the loader's checks of [assessment] schedule, campaign, opens_before and
missed; which campaign years a case owes and from when each may be recorded; counting a day back."""
from __future__ import annotations

import copy
import tomllib
from datetime import date as D
from typing import Any

import pytest

from config import PROJECT_ROOT
from statemachines import assessments
from statemachines.case import Assessment, Case, Period
from statemachines.periods import Duration, counted_back
from statemachines.policy import Campaign, MonthDay, PolicyError, policy_from_mapping

GUIZHOU = tomllib.loads((PROJECT_ROOT / "policies" / "guizhou-provincial-2022.v1.toml").read_text(encoding="utf-8"))
SHANGHAI = tomllib.loads((PROJECT_ROOT / "policies" / "shanghai-municipal.v1.toml").read_text(encoding="utf-8"))
GRADES = {"pass_grades": ["合格"], "fail_grades": ["不合格"], "clause": "测试用条款"}
BAOAN = {"eligible_after": "1y", "cutoff": "11-30", "results_due": "12-28", "results_year": "same"}


def with_assessment(base: dict[str, Any] = GUIZHOU, **assessment: Any) -> dict[str, Any]:
    data = copy.deepcopy(base)
    data["assessment"] = assessment
    return data


def campaign(**changes: Any) -> dict[str, Any]:
    return with_assessment(schedule="campaign", campaign={**BAOAN, **changes}, **GRADES)


def problems(data: dict[str, Any]) -> tuple[str, ...]:
    with pytest.raises(PolicyError) as info:
        policy_from_mapping(data, where="probe")
    return info.value.problems


# --- the loader ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "problem"), [
    (campaign(cutoff="02-29"), "assessment.campaign.cutoff: '02-29' is not a MM-DD date that exists every year"),
    (campaign(cutoff="11-31"), "assessment.campaign.cutoff: '11-31' is not a MM-DD date that exists every year"),
    (campaign(results_due="11-29"),
     'assessment.campaign.results_due: 11-29 is before the cut-off 11-30 of the same year (results_year = "same")'),
    (campaign(results_year="later"), "assessment.campaign.results_year: 'later' is not one of same, next"),
    (campaign(opens="01-15"), "assessment.campaign.opens: 01-15, the first such day from the cut-off 11-30 on, "
                              "comes after the results are due (12-28, results_year = 'same')"),
    (campaign(eligible_after="20wd"),
     "assessment.campaign.eligible_after: 20wd: working days count only for a deadline to act, not here"),
    (campaign(colour="red"), "assessment.campaign.colour: is not a key of a policy file"),
    (with_assessment(schedule="rolling", **GRADES), "assessment.schedule: 'rolling' is not one of period, campaign"),
    (with_assessment(schedule="campaign", **GRADES), "assessment.campaign: is missing"),
    (with_assessment(first_after="2y", every="2y", campaign=BAOAN, **GRADES),
     'assessment.campaign: is read only with schedule = "campaign"'),
    (with_assessment(schedule="campaign", campaign=BAOAN, every="1y", **GRADES),
     'assessment.every: is not used with schedule = "campaign" (assessment.campaign says when)'),
    (with_assessment(schedule="campaign", campaign=BAOAN, opens_before="1m", **GRADES),
     'assessment.opens_before: is not used with schedule = "campaign" (assessment.campaign says when)'),
    (with_assessment(first_after="2y", every="1y", opens_before="13m", **GRADES),
     "assessment.opens_before: 13m is longer than assessment.every (1y)"),
    (with_assessment(first_after="2y", every="2y", opens_before="20wd", **GRADES),
     "assessment.opens_before: 20wd: working days count only for a deadline to act, not here"),
    (with_assessment(first_after="2y", every="2y", missed="fail", **GRADES),
     'assessment.missed: "fail" needs assessment.missed_grade, the grade the system records'),
    (with_assessment(first_after="2y", every="2y", missed="revoke", missed_grade="未参加", **GRADES),
     "assessment.missed: 'revoke' is not one of flag, fail"),
    (with_assessment(first_after="2y", every="2y", missed_grade="合格", **GRADES),
     "assessment.missed_grade: '合格' is a pass grade"),
])
def test_r21_the_loader_refuses_a_campaign_or_earliest_date_that_cannot_hold(data, problem):
    assert problems(data) == (problem,)


def test_r21_a_campaign_loads_with_its_defaults():
    policy = policy_from_mapping(campaign(), where="probe")
    assert (policy.assessment_schedule, policy.assessment_first, policy.assessment_every) == ("campaign", None, None)
    assert policy.campaign == Campaign(Duration(years=1), MonthDay(11, 30), MonthDay(12, 28), "same", MonthDay(11, 30))
    assert policy.assessment_offsets() == [] and policy.missed_assessment == "flag"
    # a cut-off and results on the same day is a campaign of one day
    assert policy_from_mapping(campaign(results_due="11-30"), where="probe").campaign.results_deadline(2025) == \
        D(2025, 11, 30)


def test_r21_the_shipped_policies_keep_the_period_schedule_and_no_earliest_day():
    for data in (GUIZHOU, SHANGHAI):
        policy = policy_from_mapping(data, where="probe")
        assert (policy.assessment_schedule, policy.campaign, policy.assessment_opens_before,
                policy.missed_assessment) == ("period", None, None, "flag")


def test_r21_campaign_days_of_year_n_in_the_same_and_the_next_year():
    baoan = policy_from_mapping(campaign(), where="probe").campaign
    assert (baoan.cutoff_day(2025), baoan.opening_day(2025), baoan.results_deadline(2025)) == (
        D(2025, 11, 30), D(2025, 11, 30), D(2025, 12, 28))
    shanghai = policy_from_mapping(campaign(cutoff="12-31", results_due="07-31", results_year="next", opens="06-01"),
                                   where="probe").campaign
    # year 2025 is assessed the next summer: from 2026-06-01 to 2026-07-31
    assert (shanghai.cutoff_day(2025), shanghai.opening_day(2025), shanghai.results_deadline(2025)) == (
        D(2025, 12, 31), D(2026, 6, 1), D(2026, 7, 31))
    everyone = policy_from_mapping(campaign(eligible_after="0d"), where="probe").campaign
    assert everyone.eligible_after is None and everyone.eligible(D(2025, 11, 29), 2025)
    assert not everyone.eligible(D(2025, 11, 30), 2025)


# --- what a case owes -----------------------------------------------------------------------------

def case_recognized(on: D, end: D, *done: Assessment) -> Case:
    return Case(id="c", base_id="b", base_name="宝安区青年创业园", operator_code="91440300MA5000001X",
                level="county", jurisdiction="440306", policy_id="p", policy_version=1, applied_on=on,
                state="recognized", recognized_on=on, period=Period(1, on, end), assessments=list(done))


def test_r21_a_campaign_owes_the_years_whose_cut_off_falls_in_the_period():
    policy = policy_from_mapping(campaign(), where="probe")
    # recognised 2024-03-10: not a year by 2024-11-30; 2025 to 2028 owed; 2029's cut-off is after the period
    case = case_recognized(D(2024, 3, 10), D(2029, 3, 10))
    owed = assessments.owed(case, policy)
    assert [(o.key, o.opens, o.due) for o in owed] == [
        (f"1.{year}", D(year, 11, 30), D(year, 12, 28)) for year in (2025, 2026, 2027, 2028)]
    # a full year by the cut-off exactly (the first day not counted) is enough; a day less is not
    assert [o.index for o in assessments.owed(case_recognized(D(2024, 11, 30), D(2029, 11, 30)), policy)][:1] == [2025]
    assert [o.index for o in assessments.owed(case_recognized(D(2024, 12, 1), D(2029, 12, 1)), policy)][:1] == [2026]
    # a cut-off on the period's last day is in it (R15: the first day is not counted, the last is)
    assert [o.index for o in assessments.owed(case_recognized(D(2023, 11, 30), D(2028, 11, 30)), policy)] == [
        2024, 2025, 2026, 2027, 2028]
    # the oldest year not recorded is the next to record; all passed only once every year is
    case.assessments.append(Assessment(1, 2025, D(2025, 12, 5), "pass", "合格", True))
    assert assessments.next_to_record(case, policy).index == 2026
    assert not assessments.all_passed_first_time(case, policy)


def test_r21_opens_before_counts_back_from_the_due_date_the_policy_sets():
    policy = policy_from_mapping(with_assessment(first_after="2y", every="2y", opens_before="3m", **GRADES),
                                 where="probe")
    owed = assessments.owed(case_recognized(D(2024, 6, 14), D(2029, 6, 14)), policy)
    assert [(o.key, o.opens, o.due) for o in owed] == [
        ("1.1", D(2026, 3, 14), D(2026, 6, 14)), ("1.2", D(2028, 3, 14), D(2028, 6, 14))]


@pytest.mark.parametrize(("day", "back", "expected"), [
    (D(2026, 6, 14), "3m", D(2026, 3, 14)),
    (D(2026, 5, 31), "3m", D(2026, 2, 28)),  # no 31st in February: its last day
    (D(2024, 2, 29), "1y", D(2023, 2, 28)),
    (D(2026, 1, 15), "1m15d", D(2025, 11, 30)),
    (D(2026, 3, 1), "1y2m", D(2025, 1, 1)),
])
def test_r21_r15_a_day_counted_back(day, back, expected):
    assert counted_back(day, Duration.parse(back)) == expected
