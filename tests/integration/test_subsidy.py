"""R20: subsidy money tied to what happens — an amount per passing grade, a cap, tiers chosen at
approval, part payments, and money owed back after a revocation on a clawback ground (with its
deadline and overdue flag). Each scenario is on a policy built from Guizhou's by the real loader
(tests/policy_variants.py); the figures are a test's, the per-grade ones shaped after Shanghai's
A/B/C operating grants (sh-ldb in docs/rules.md). Runs on SQLite, PostgreSQL and the in-memory
storage. Guizhou's own subsidy (R11) is unchanged: tests/integration/test_rules.py."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services import audit
from services.values import Grant, User
from services.work_queue import work_queue
from statemachines.errors import IllegalTransition, InvalidAct, NotDue
from statemachines.policy import Policy
from tests.integration.test_rules import assert_replays, finish, recognize_guizhou, system, timers
from tests.policy_variants import variant, with_policies
from tests.story import INSPECTOR, SUPERVISOR, Story

pytestmark = pytest.mark.memory

D = date
WAN = 1_000_000  # 1万元 in fen
CODE = "320000"  # Jiangsu, a test's: Guizhou's rules with the [subsidy] and grades below
CASEWORKER_320 = User("u-js", "caseworker.js", "江苏办事员",
                      (Grant("caseworker", CODE, datetime(2020, 1, 1, tzinfo=UTC)),))
GRADED = {"first_after": "1y", "every": "1y", "pass_grades": ["A", "B", "C"], "fail_grades": ["不达标"],
          "clause": "测试用条款：每年考核，等次A、B、C、不达标"}


def jiangsu(*, graded: bool = False, **subsidy) -> Policy:
    """Guizhou's rules for Jiangsu with its own [subsidy]; `graded`: yearly assessments graded A/B/C."""
    replace = {"subsidy": {"clause": "测试用条款", **subsidy}}
    if graded:
        replace["assessment"] = GRADED
    return variant(CODE, replace=replace)


def recognized(rt, clock, *, seed: int = 1, base: str = "南京市创业园", **approve) -> Story:
    story = Story(rt, clock)
    story.apply(D(2024, 4, 8), seed=seed, base=base, jurisdiction=CODE)
    story.act("inspect", D(2024, 5, 16), actor=INSPECTOR, outcome="pass")
    story.act("approve", D(2024, 6, 14), actor=SUPERVISOR, **approve)
    return story


def last(story: Story, act: str):
    return next(e for e in reversed(story.events) if e.act == act)


def money(story: Story) -> list[tuple[int, int, str, str | None, int]]:
    """(number, amount, status, grade, paid) of each instalment."""
    return [(i.number, i.amount_fen, i.status, i.grade, i.paid_fen) for i in story.case.instalments]


def verifies(story: Story) -> None:
    """No violation but the role check's (the scenarios make no users): chain, replay, transitions."""
    report = audit.verify_case(story.rt, story.case_id)
    assert {v.check for v in report.violations} <= {"role"}, report.violations


# --- an amount per passing grade ----------------------------------------------------------------

def test_r20_each_passing_assessment_adds_the_amount_of_its_grade(rt, clock):
    """Shanghai's shape: A/B/C earn 50/30/10万元 after each yearly assessment, no one-off grant
    (no instalments, no total_fen); the instalment is due on the assessment's date."""
    rt = with_policies(rt, jiangsu(graded=True, per_grade={"A": 50 * WAN, "B": 30 * WAN, "C": 10 * WAN}))
    story = recognized(rt, clock)
    assert story.case.instalments == []

    case = story.act("record_assessment", D(2025, 6, 10), outcome="pass", grade="A").case
    assert money(story) == [(1, 50 * WAN, "scheduled", "A", 0)]
    assert case.instalments[0].due_on == D(2025, 6, 10)
    assert last(story, "record_assessment").payload["instalment"] == {
        "number": 1, "amount_fen": 50 * WAN, "due_on": "2025-06-10", "grade": "A"}
    story.until(D(2025, 6, 10))  # falls due on its day
    assert system(story, "instalment_due") == [D(2025, 6, 10)]
    story.act("record_payment", D(2025, 6, 20), number=1, amount_fen=50 * WAN)

    story.act("record_assessment", D(2026, 6, 9), outcome="pass", grade="C")
    assert money(story) == [(1, 50 * WAN, "paid", "A", 50 * WAN), (2, 10 * WAN, "scheduled", "C", 0)]
    story.act("record_assessment", D(2027, 6, 8), outcome="pass", grade="B")
    assert [(n, amount, grade) for n, amount, _, grade, _ in money(story)] == [
        (1, 50 * WAN, "A"), (2, 10 * WAN, "C"), (3, 30 * WAN, "B")]
    finish(D(2027, 6, 8), story)
    verifies(story)


def test_r20_a_grade_without_an_amount_and_a_failed_assessment_earn_nothing(rt, clock):
    rt = with_policies(rt, jiangsu(graded=True, per_grade={"A": 50 * WAN}))
    story = recognized(rt, clock)
    story.act("record_assessment", D(2025, 6, 10), outcome="pass", grade="B")
    assert story.case.instalments == [] and "instalment" not in last(story, "record_assessment").payload
    story.act("record_assessment", D(2026, 6, 9), outcome="fail", grade="不达标")
    assert story.case.instalments == []


# --- the cap --------------------------------------------------------------------------------------

def test_r20_the_cap_reduces_the_instalment_that_would_exceed_it_and_adds_none_beyond(rt, clock):
    """A one-off 20万 on recognition, then 40万 (A) or 30万 (B) a year, never more than 90万 in all:
    the second A is cut to 30万, a third assessment earns nothing."""
    rt = with_policies(rt, jiangsu(graded=True, total_fen=20 * WAN,
                                   instalments=[{"after": "0d", "amount_fen": 20 * WAN}],
                                   per_grade={"A": 40 * WAN, "B": 30 * WAN}, cap_fen=90 * WAN))
    story = recognized(rt, clock)
    story.act("record_assessment", D(2025, 6, 10), outcome="pass", grade="A")
    story.act("record_assessment", D(2026, 6, 9), outcome="pass", grade="A")
    assert last(story, "record_assessment").payload["instalment"] == {
        "number": 3, "amount_fen": 30 * WAN, "due_on": "2026-06-09", "grade": "A", "capped_from": 40 * WAN}
    story.act("record_assessment", D(2027, 6, 8), outcome="pass", grade="B")
    assert last(story, "record_assessment").payload["instalment"] == {
        "number": None, "amount_fen": 0, "due_on": "2027-06-08", "grade": "B", "capped_from": 30 * WAN}
    assert [(n, amount) for n, amount, *_ in money(story)] == [(1, 20 * WAN), (2, 40 * WAN), (3, 30 * WAN)]
    assert story.case.subsidy_owed_fen() == 90 * WAN
    finish(D(2027, 6, 8), story)


# --- tiers chosen at approval ----------------------------------------------------------------------

TIERS = [{"name": "一档", "amount_fen": 50 * WAN, "criterion": "在孵企业50户以上，带动就业300人以上"},
         {"name": "二档", "amount_fen": 30 * WAN, "criterion": "在孵企业30户以上，带动就业150人以上"}]


def test_r20_approval_names_a_tier_and_records_its_criterion_and_amount(rt, clock):
    """The grant's amount is the tier the approval names, paid on the policy's schedule in its
    shares (60% on recognition, 40% two years on)."""
    rt = with_policies(rt, jiangsu(total_fen=50 * WAN, tiers=TIERS, instalments=[
        {"after": "0d", "amount_fen": 30 * WAN}, {"after": "2y", "amount_fen": 20 * WAN}]))
    story = Story(rt, clock)
    story.apply(D(2024, 4, 8), base="南京市创业园", jurisdiction=CODE)
    story.act("inspect", D(2024, 5, 16), actor=INSPECTOR, outcome="pass")
    for tier in (None, "三档"):
        with pytest.raises(InvalidAct) as refused:
            story.act("approve", D(2024, 6, 14), actor=SUPERVISOR, tier=tier)
        assert (refused.value.field, refused.value.rule) == ("tier", "R20") and "一档, 二档" in refused.value.message
    assert story.case.state == "inspected"

    case = story.act("approve", D(2024, 6, 14), actor=SUPERVISOR, tier="二档").case
    assert last(story, "approve").payload["tier"] == {
        "name": "二档", "criterion": "在孵企业30户以上，带动就业150人以上", "amount_fen": 30 * WAN}
    assert case.tier == "二档"
    assert [(i.number, i.due_on, i.amount_fen) for i in case.instalments] == [
        (1, D(2024, 6, 14), 18 * WAN), (2, D(2026, 6, 14), 12 * WAN)]
    finish(D(2024, 6, 14), story)


def test_r20_a_policy_without_tiers_takes_no_tier(rt, clock):
    story = Story(rt, clock)
    story.apply(D(2024, 4, 8))
    story.act("inspect", D(2024, 5, 16), actor=INSPECTOR, outcome="pass")
    with pytest.raises(InvalidAct) as refused:
        story.act("approve", D(2024, 6, 14), actor=SUPERVISOR, tier="一档")
    assert refused.value.field == "tier" and "no subsidy tiers" in refused.value.message
    assert "tier" not in story.act("approve", D(2024, 6, 14), actor=SUPERVISOR).events[0].payload


# --- part payments -------------------------------------------------------------------------------

def test_r20_a_part_payment_leaves_the_rest_due_until_it_is_paid_in_full(rt, clock):
    rt = with_policies(rt, variant(CODE, subsidy={"partial_payments": True}))
    story = recognized(rt, clock)
    story.until(D(2024, 6, 14))
    case = story.act("record_payment", D(2024, 7, 1), number=1, amount_fen=20 * WAN).case
    inst = case.instalments[0]
    assert (inst.status, inst.paid_fen, inst.outstanding_fen, inst.paid_on) == ("due", 20 * WAN, 30 * WAN, None)
    part = last(story, "record_payment")
    assert (part.rule, part.payload["paid_fen"], part.payload["outstanding_fen"]) == ("R20", 20 * WAN, 30 * WAN)

    with pytest.raises(InvalidAct) as refused:
        story.act("record_payment", D(2024, 7, 2), number=1, amount_fen=40 * WAN)
    assert refused.value.field == "amount_fen" and "300,000.00 yuan outstanding" in refused.value.message
    case = story.act("record_payment", D(2024, 8, 1), number=1, amount_fen=30 * WAN).case
    inst = case.instalments[0]
    assert (inst.status, inst.paid_fen, inst.outstanding_fen, inst.paid_on) == ("paid", 50 * WAN, 0, D(2024, 8, 1))
    assert last(story, "record_payment").rule == "R11"
    with pytest.raises(NotDue):
        story.act("record_payment", D(2024, 8, 2), number=1, amount_fen=1)
    finish(D(2024, 8, 2), story)
    verifies(story)


def test_r20_r11_withheld_while_rectifying_then_released_with_the_grade_earned_again(rt, clock):
    """Money per grade keeps R11: withheld while rectifying, released by the passing re-assessment,
    which (passing the assessment it replaces) earns its grade's amount, due that day."""
    rt = with_policies(rt, jiangsu(graded=True, per_grade={"A": 50 * WAN, "B": 30 * WAN, "C": 10 * WAN}))
    story = recognized(rt, clock)
    story.act("record_assessment", D(2025, 6, 10), outcome="pass", grade="B")
    story.until(D(2025, 6, 10))
    assert money(story) == [(1, 30 * WAN, "due", "B", 0)]

    story.act("record_assessment", D(2026, 6, 9), outcome="fail", grade="不达标")
    assert story.case.state == "rectifying" and money(story) == [(1, 30 * WAN, "withheld", "B", 0)]
    with pytest.raises(IllegalTransition):
        story.act("record_payment", D(2026, 6, 10), number=1, amount_fen=30 * WAN)
    story.act("record_rectification", D(2026, 8, 20), outcome="pass", grade="C")
    assert story.case.state == "assessed"
    assert money(story) == [(1, 30 * WAN, "due", "B", 0), (2, 10 * WAN, "scheduled", "C", 0)]
    assert timers(story)[("instalment", "2")].due_on == D(2026, 8, 20)
    story.until(D(2026, 8, 20))
    story.act("record_payment", D(2026, 8, 21), number=2, amount_fen=10 * WAN)
    assert money(story) == [(1, 30 * WAN, "due", "B", 0), (2, 10 * WAN, "paid", "C", 10 * WAN)]
    finish(D(2026, 8, 21), story)


# --- clawback -------------------------------------------------------------------------------------

CLAWBACK = {"partial_payments": True, "clawback_grounds": ["fraud"], "clawback_within": "3m"}


def test_r20_revocation_for_fraud_owes_back_what_was_paid_until_repaid_to_zero(rt, clock):
    rt = with_policies(rt, variant(CODE, subsidy=CLAWBACK))
    story = recognized(rt, clock)
    story.until(D(2024, 6, 14))
    story.act("record_payment", D(2024, 7, 1), number=1, amount_fen=20 * WAN)
    case = story.act("revoke", D(2024, 9, 2), actor=SUPERVISOR, ground="fraud").case
    assert last(story, "revoke").payload["clawback"] == {"owed_fen": 20 * WAN}
    assert (case.clawback.owed_fen, case.clawback.repaid_fen, case.clawback.since) == (20 * WAN, 0, D(2024, 9, 2))
    assert money(story) == [(1, 50 * WAN, "cancelled", None, 20 * WAN)]  # the rest is never paid
    # the deadline is 3 months on, 2024-12-02, a Monday: the last day to repay (R15)
    assert timers(story)[("clawback", "1")].due_on == D(2024, 12, 2)

    story.act("record_repayment", D(2024, 10, 8), amount_fen=5 * WAN)
    assert story.case.clawback.outstanding_fen == 15 * WAN
    assert last(story, "record_repayment").payload == {"amount_fen": 5 * WAN, "outstanding_fen": 15 * WAN}
    with pytest.raises(InvalidAct) as refused:
        story.act("record_repayment", D(2024, 10, 9), amount_fen=16 * WAN)
    assert (refused.value.field, refused.value.rule) == ("amount_fen", "R20")

    items, _ = work_queue(rt, CASEWORKER_320, D(2024, 11, 20))
    assert [(i.kind, i.case_id, i.due_on, i.overdue) for i in items] == [
        ("clawback", story.case_id, D(2024, 12, 2), False)]
    story.until(D(2024, 12, 2))
    assert system(story, "flag_overdue_clawback") == []  # the last day is still in time
    story.until(D(2024, 12, 3))
    assert system(story, "flag_overdue_clawback") == [D(2024, 12, 3)]
    assert last(story, "flag_overdue_clawback").payload["outstanding_fen"] == 15 * WAN
    assert "clawback_overdue" in story.case.flags and ("clawback", "1") not in timers(story)
    items, _ = work_queue(rt, CASEWORKER_320, D(2024, 12, 5))
    assert [(i.kind, i.due_on, i.overdue) for i in items] == [("clawback", D(2024, 12, 2), True)]

    case = story.act("record_repayment", D(2024, 12, 10), amount_fen=15 * WAN).case
    assert (case.clawback.outstanding_fen, case.clawback.repaid_on) == (0, D(2024, 12, 10))
    assert "clawback_overdue" not in case.flags
    with pytest.raises(NotDue):
        story.act("record_repayment", D(2024, 12, 11), amount_fen=1)
    assert work_queue(rt, CASEWORKER_320, D(2024, 12, 11)) == ([], {})
    finish(D(2024, 12, 11), story)
    verifies(story)


def test_r20_a_revocation_on_another_ground_owes_nothing_back(rt, clock):
    rt = with_policies(rt, variant(CODE, subsidy=CLAWBACK))
    story = recognized(rt, clock)
    story.until(D(2024, 6, 14))
    story.act("record_payment", D(2024, 7, 1), number=1, amount_fen=50 * WAN)
    case = story.act("revoke", D(2024, 9, 2), actor=SUPERVISOR, ground="commitment_breach").case
    assert case.clawback is None and "clawback" not in last(story, "revoke").payload
    assert ("clawback", "1") not in timers(story)
    with pytest.raises(NotDue):
        story.act("record_repayment", D(2024, 9, 3), amount_fen=1)
    finish(D(2024, 9, 3), story)


def test_r20_guizhou_keeps_its_subsidy_and_owes_nothing_back_on_fraud(rt, clock):
    story = recognize_guizhou(rt, clock, D(2024, 6, 14))
    story.until(D(2024, 6, 14))
    with pytest.raises(InvalidAct):  # no part payments under Guizhou's policy (R11)
        story.act("record_payment", D(2024, 7, 1), number=1, amount_fen=20 * WAN)
    story.act("record_payment", D(2024, 7, 1), number=1, amount_fen=50 * WAN)
    case = story.act("revoke", D(2024, 9, 2), actor=SUPERVISOR, ground="fraud").case
    assert case.clawback is None and case.instalments[0].status == "paid"
    assert_replays(story)
