"""R20 in the pure domain: the loader's checks of the new [subsidy] keys, the money arithmetic of
statemachines/subsidy.py, and repayment and its deadline on a case built in memory."""
from __future__ import annotations

import copy
import tomllib
from datetime import UTC, date, datetime
from typing import Any

import pytest

from config import PROJECT_ROOT
from services.calendars import default_calendar
from statemachines import acts, subsidy
from statemachines.acts import Recording, allowed_acts
from statemachines.case import Ban, Case, Clawback, Instalment, Period
from statemachines.errors import InvalidAct, NotDue
from statemachines.events import SYSTEM_ACTOR, Draft
from statemachines.fold import apply_event
from statemachines.policy import PolicyError, Tier, policy_from_mapping
from statemachines.timers import timers_for

GUIZHOU = tomllib.loads((PROJECT_ROOT / "policies" / "guizhou-provincial-2022.v1.toml").read_text(encoding="utf-8"))
CALENDAR = default_calendar()
WAN = 1_000_000  # 1万元 in fen
TIERS = [{"name": "一档", "amount_fen": 50 * WAN, "criterion": "在孵企业50户以上"},
         {"name": "二档", "amount_fen": 30 * WAN, "criterion": "在孵企业30户以上"}]


def load(subsidy_keys: dict[str, Any] | None = None, *, replace: dict[str, Any] | None = None, **top):
    """Guizhou's policy with keys merged into its [subsidy] (or the section replaced)."""
    data = copy.deepcopy(GUIZHOU)
    data.update(top)
    if replace is not None:
        data["subsidy"] = {"clause": "测试用条款", **replace}
    data["subsidy"].update(subsidy_keys or {})
    return policy_from_mapping(data, where="probe")


def refused(*args, **kwargs) -> tuple[str, ...]:
    with pytest.raises(PolicyError) as info:
        load(*args, **kwargs)
    return info.value.problems


# --- the loader -----------------------------------------------------------------------------------

def test_r20_guizhou_reads_as_before_with_every_new_key_at_its_default():
    policy = load()
    assert (policy.subsidy_total_fen, len(policy.instalments)) == (50_000_000, 1)
    assert (dict(policy.subsidy_per_grade), policy.subsidy_cap_fen, policy.subsidy_tiers, policy.partial_payments,
            policy.clawback_grounds, policy.clawback_within) == ({}, None, (), False, (), None)


def test_r20_every_new_key_reads():
    policy = load({"per_grade": {"达标": 10 * WAN}, "cap_fen": 120 * WAN, "tiers": TIERS, "partial_payments": True,
                   "clawback_grounds": ["fraud", "rectification_failed"], "clawback_within": "20wd"})
    assert dict(policy.subsidy_per_grade) == {"达标": 10 * WAN} and policy.subsidy_cap_fen == 120 * WAN
    assert policy.subsidy_tiers == (Tier("一档", 50 * WAN, "在孵企业50户以上"),
                                    Tier("二档", 30 * WAN, "在孵企业30户以上"))
    assert policy.partial_payments and policy.clawback_grounds == ("fraud", "rectification_failed")
    assert str(policy.clawback_within) == "20wd"  # a deadline to act may count working days


def test_r20_a_policy_paying_per_grade_only_needs_no_total_or_instalments():
    policy = load(replace={"per_grade": {"达标": 10 * WAN}})
    assert (policy.subsidy_total_fen, policy.instalments) == (0, ())
    assert refused(replace={"instalments": [{"after": "0d", "amount_fen": 1}]}) == ("subsidy.total_fen: is missing",)


@pytest.mark.parametrize(("keys", "problem"), [
    ({"per_grade": {"不达标": WAN}},
     "subsidy.per_grade.不达标: '不达标' is not one of assessment.pass_grades (达标): only a passing assessment earns "
     "an amount"),
    ({"per_grade": {}}, "subsidy.per_grade: must name at least one grade (leave it out for none)"),
    ({"per_grade": {"达标": 0}}, "subsidy.per_grade.达标: must be 1 or more (leave the grade out for none)"),
    ({"per_grade": {"达标": "10万"}}, "subsidy.per_grade.达标: expected int, got '10万'"),
    ({"per_grade": 5}, "subsidy.per_grade: expected dict, got 5"),
    ({"cap_fen": 0}, "subsidy.cap_fen: must be 1 or more (leave it out for no cap)"),
    ({"cap_fen": 1000}, "subsidy.cap_fen: 1000 is below total_fen (50000000): that amount alone exceeds it"),
    ({"cap_fen": 60 * WAN, "per_grade": {"达标": 70 * WAN}},
     "subsidy.cap_fen: 60000000 is below per_grade '达标' (70000000): that amount alone exceeds it"),
    ({"cap_fen": 40 * WAN, "tiers": TIERS}, "subsidy.cap_fen: 40000000 is below tiers '一档' (50000000): that amount "
                                            "alone exceeds it"),
    ({"tiers": [TIERS[0], {**TIERS[1], "name": "一档"}]}, "subsidy.tiers[1].name: '一档' names another tier too"),
    ({"tiers": [{**TIERS[0], "criterion": " "}]}, "subsidy.tiers[0].criterion: must not be empty"),
    ({"tiers": [{**TIERS[0], "amount_fen": 0}]}, "subsidy.tiers[0].amount_fen: must be 1 or more"),
    ({"tiers": ["一档"]}, "subsidy.tiers: [0] must be a table (name, amount_fen, criterion)"),
    ({"tiers": [{"name": "一档", "amount_fen": 1}]}, "subsidy.tiers[0].criterion: is missing"),
    ({"partial_payments": "yes"}, "subsidy.partial_payments: expected bool, got 'yes'"),
    ({"clawback_grounds": ["theft"]},
     "subsidy.clawback_grounds: 'theft' is not a revocation ground "
     "(rectification_failed, assessment_failed, fraud, commitment_breach, complaints)"),
    ({"clawback_grounds": ["assessment_failed"]},
     "subsidy.clawback_grounds: 'assessment_failed': this policy never revokes on that ground"),
    ({"clawback_grounds": ["fraud", "fraud"]}, "subsidy.clawback_grounds: names a ground twice"),
    ({"clawback_within": "3m"}, "subsidy.clawback_within: is a deadline to repay: it needs subsidy.clawback_grounds"),
    ({"clawback_grounds": ["fraud"], "clawback_within": "3x"}, "subsidy.clawback_within: "),
])
def test_r20_a_subsidy_section_that_contradicts_itself_is_refused_naming_its_field(keys, problem):
    problems = refused(keys)
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_r20_tiers_need_a_schedule_to_share_their_amount_over():
    assert refused(replace={"tiers": TIERS}) == (
        "subsidy.tiers: a tier's amount is paid on the instalments' schedule, in their shares: give "
        "subsidy.instalments adding up to more than 0",)


def test_r20_a_misspelt_key_in_a_tier_is_refused_with_its_path():
    assert refused({"tiers": [{**TIERS[0], "amount": 1}]}) == (
        "subsidy.tiers[0].amount: is not a key of a policy file",)


def test_r20_a_policy_without_rectification_names_no_rectification_ground_but_may_name_its_own():
    shanghai_like = {"assessment": {**GUIZHOU["assessment"], "revoke_after_consecutive_fails": 2},
                     "bans": {**GUIZHOU["bans"], "assessment_failed": "3y"}}
    data = {k: v for k, v in copy.deepcopy(GUIZHOU).items() if k != "rectification"} | shanghai_like
    data["bans"].pop("rectification_failed")
    data["subsidy"] = {**data["subsidy"], "clawback_grounds": ["rectification_failed"]}
    with pytest.raises(PolicyError) as info:
        policy_from_mapping(data, where="probe")
    assert info.value.problems == (
        "subsidy.clawback_grounds: 'rectification_failed': this policy never revokes on that ground",)
    data["subsidy"]["clawback_grounds"] = ["assessment_failed"]
    assert policy_from_mapping(data, where="probe").clawback_grounds == ("assessment_failed",)


# --- the arithmetic --------------------------------------------------------------------------------

SCHEDULE = [{"after": "0d", "amount_fen": 30 * WAN}, {"after": "2y", "amount_fen": 20 * WAN}]


def test_r20_a_tiers_amount_is_shared_out_in_the_schedules_proportions_to_the_fen():
    odd = {"name": "三档", "amount_fen": 33_333_333, "criterion": "在孵企业20户以上"}
    policy = load({"tiers": [*TIERS, odd], "instalments": SCHEDULE})
    on = date(2024, 6, 14)
    assert subsidy.grant(policy, None, on) == [
        {"number": 1, "amount_fen": 30 * WAN, "due_on": "2024-06-14"},
        {"number": 2, "amount_fen": 20 * WAN, "due_on": "2026-06-14"}]
    shares = subsidy.grant(policy, policy.subsidy_tiers[2], on)
    # 60% of 33,333,333 is 19,999,999.8: floored, and the last instalment takes the fen left over
    assert [i["amount_fen"] for i in shares] == [19_999_999, 13_333_334]
    assert sum(i["amount_fen"] for i in shares) == odd["amount_fen"]
    assert [i["amount_fen"] for i in subsidy.grant(policy, policy.subsidy_tiers[1], on)] == [18 * WAN, 12 * WAN]


def _case(**fields) -> Case:
    return Case(id="c", base_id="b", base_name="贵阳创业园", operator_code="91350100M000100Y43", level="provincial",
                jurisdiction="520100", policy_id="guizhou-provincial-2022", policy_version=1,
                applied_on=date(2024, 4, 8), **fields)


def test_r20_an_earned_instalment_is_numbered_after_the_others_and_held_to_the_cap():
    policy = load({"per_grade": {"达标": 20 * WAN}, "cap_fen": 60 * WAN})
    case = _case(instalments=[Instalment(1, date(2024, 6, 14), 50 * WAN, "paid", paid_fen=50 * WAN),
                              Instalment(4, date(2025, 6, 14), 5 * WAN, "cancelled")])
    # the cancelled one is not owed: 50万 granted, 10万 left of the cap
    assert subsidy.earned(case, policy, "达标", date(2026, 6, 1)) == {
        "number": 5, "amount_fen": 10 * WAN, "due_on": "2026-06-01", "grade": "达标", "capped_from": 20 * WAN}
    case.instalments.append(Instalment(5, date(2026, 6, 1), 10 * WAN))
    assert subsidy.earned(case, policy, "达标", date(2027, 6, 1))["number"] is None
    assert subsidy.earned(case, policy, "不达标", date(2027, 6, 1)) is None
    assert subsidy.capped(load(), 10**12, 7) == 7  # no cap: the whole amount


def test_r20_clawback_owes_back_everything_paid_part_payments_included():
    policy = load({"clawback_grounds": ["fraud"]})
    case = _case(instalments=[Instalment(1, date(2024, 6, 14), 50 * WAN, "paid", paid_fen=50 * WAN),
                              Instalment(2, date(2026, 6, 14), 30 * WAN, "cancelled", paid_fen=7 * WAN)])
    assert subsidy.clawback(case, policy, "fraud") == {"owed_fen": 57 * WAN}
    assert subsidy.clawback(case, policy, "commitment_breach") is None


# --- repayment on a revoked case -------------------------------------------------------------------

REVOKED_ON = date(2025, 5, 30)  # a Friday
NOW = datetime(2025, 12, 31, 2, 0, tzinfo=UTC)


def _revoked(owed: int = 20 * WAN) -> Case:
    return _case(state="revoked", version=9, last_on=REVOKED_ON, last_act="revoke", revocation_ground="fraud",
                 end_reason="revoked:fraud", recognized_on=date(2024, 6, 14),
                 period=Period(1, date(2024, 6, 14), date(2029, 6, 14)),
                 ban=Ban("fraud", "provincial", REVOKED_ON, date(2030, 5, 30)),
                 instalments=[Instalment(1, date(2024, 6, 14), 50 * WAN, "cancelled", paid_fen=owed)],
                 clawback=Clawback("fraud", REVOKED_ON, owed))


def _repay(case: Case, policy, amount: int, on: date):
    return acts.record_repayment(case, policy, CALENDAR, Recording("caseworker.wang", on, "退回补助资金", NOW),
                                 amount_fen=amount)


def test_r20_repayment_in_parts_to_zero_then_nothing_is_owed():
    policy = load({"clawback_grounds": ["fraud"], "clawback_within": "3m"})
    case = _revoked()
    assert allowed_acts(case, policy) == ["record_repayment"]
    with pytest.raises(InvalidAct) as info:
        _repay(case, policy, 20 * WAN + 1, date(2025, 6, 3))
    assert info.value.field == "amount_fen" and case.clawback.repaid_fen == 0
    events = _repay(case, policy, 5 * WAN, date(2025, 6, 3))
    assert [(e.act, e.rule, dict(e.payload)) for e in events] == [
        ("record_repayment", "R20", {"amount_fen": 5 * WAN, "outstanding_fen": 15 * WAN})]
    _repay(case, policy, 15 * WAN, date(2025, 6, 4))
    assert (case.clawback.outstanding_fen, case.clawback.repaid_on, case.state) == (0, date(2025, 6, 4), "revoked")
    assert allowed_acts(case, policy) == []
    with pytest.raises(NotDue):
        _repay(case, policy, 1, date(2025, 6, 5))


def test_r20_the_deadline_to_repay_is_a_timer_until_repaid_or_flagged_overdue():
    policy = load({"clawback_grounds": ["fraud"], "clawback_within": "3m"})
    case = _revoked()
    # 3 months from 2025-05-30 end on Saturday 2025-08-30: the deadline moves to Monday 2025-09-01
    claw = [t for t in timers_for(case, policy, CALENDAR) if t.kind == "clawback"]
    assert [(t.key, t.due_on, t.fires_on) for t in claw] == [("1", date(2025, 9, 1), date(2025, 9, 2))]
    assert not [t for t in timers_for(case, load({"clawback_grounds": ["fraud"]}), CALENDAR) if t.kind == "clawback"]
    acts.record(case, policy, CALENDAR, [Draft("flag_overdue_clawback", date(2025, 9, 2), SYSTEM_ACTOR, "逾期", "R20",
                                               {"outstanding_fen": 20 * WAN})], NOW)
    assert "clawback_overdue" in case.flags
    assert not [t for t in timers_for(case, policy, CALENDAR) if t.kind == "clawback"]
    _repay(case, policy, 20 * WAN, date(2025, 9, 3))
    assert "clawback_overdue" not in case.flags


def test_r20_repayments_folded_again_give_the_same_money():
    """The fold reads what each event decided: applying the recorded events to the case as it was
    before them gives the case the acts left (the path every replay takes)."""
    policy = load({"clawback_grounds": ["fraud"]})
    case = _revoked()
    events = _repay(case, policy, 5 * WAN, date(2025, 6, 3)) + _repay(case, policy, 15 * WAN, date(2025, 6, 4))
    again = _revoked()
    for e in events:
        again = apply_event(again, e, policy)
    assert again == case and again.clawback == Clawback("fraud", REVOKED_ON, 20 * WAN, 20 * WAN, date(2025, 6, 4))
