"""Issue 14 #2: a correction (R17) is validated like the act it corrects, keeps four eyes, and
`audit verify` checks the corrected history.

Each attack of the issue is reproduced through the service (`services.audit.correct`, as the API's
route calls it) and must be refused with nothing written; the same corrections written straight
into the record, bypassing the service, must be named by `audit verify`. On SQLite, PostgreSQL and
the in-memory storage.
"""
from __future__ import annotations

from datetime import date

import pytest

from services import audit, cases
from statemachines.corrections import CorrectionRefused
from statemachines.errors import FourEyesViolation, InvalidAct
from statemachines.events import Event, seal
from statemachines.replay import replay
from statemachines.timers import timers_for
from tests.integration.test_audit import BASE_A, SUPERVISOR_2, add_people, write_directly
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, Story

pytestmark = pytest.mark.memory
D = date
FULL = 50_000_000  # the Guizhou policy's grant on recognition, in fen


@pytest.fixture
def paid(rt, clock) -> Story:
    """Applied, inspected, approved 2024-06-12 (its instalment due that day), paid, a report; now 2025-06-03."""
    add_people(rt)
    s = Story(rt, clock)
    s.apply(D(2024, 4, 10), seed=1, base=BASE_A)
    s.act("inspect", D(2024, 5, 10), actor=INSPECTOR, outcome="pass")
    s.act("approve", D(2024, 6, 12), actor=SUPERVISOR)
    s.act("record_payment", D(2024, 7, 1), number=1, amount_fen=FULL)
    s.act("submit_annual_report", D(2025, 3, 10), year=2024)
    clock.set_day(D(2025, 6, 3))
    assert [e.act for e in s.events] == ["apply", "inspect", "approve", "instalment_due", "record_payment",
                                         "submit_annual_report"]
    return s


def seq_of(s: Story, act: str) -> int:
    return next(e.seq for e in s.events if e.act == act)


def correct(s: Story, act: str, changes, actor: str = SUPERVISOR_2):
    return audit.correct(s.rt, s.case_id, corrects=seq_of(s, act), changes=changes, actor=actor,
                         on=s.rt.today(), reason="更正录入错误")


def refused(s: Story, act: str, changes, actor: str = SUPERVISOR_2, error=CorrectionRefused) -> Exception:
    before = s.events
    with pytest.raises(error) as caught:
        correct(s, act, changes, actor)
    assert s.events == before  # nothing written
    return caught.value


def correct_directly(s: Story, corrects: int, changes, actor: str = SUPERVISOR_2) -> Event:
    """A correction sealed into the chain and stored with its replay, skipping every check of the service:
    what an insider writing to the database could leave."""
    rt = s.rt
    with rt.uow() as uow:
        stored = uow.cases.get(s.case_id, for_update=True)
        events = uow.cases.events(s.case_id)
        policy = rt.policies.get(stored.policy_id, stored.policy_version)
        event = seal(Event(case_id=s.case_id, seq=stored.version + 1, act="correct", on=rt.today(),
                           recorded_at=rt.clock(), actor=actor, reason="更正", rule="R17", policy_id=policy.id,
                           policy_version=policy.version, payload={"corrects": corrects, "changes": changes},
                           prev_hash=stored.head_hash))
        case = replay([*events, event], rt.policies.get)
        uow.cases.save(case, stored.version, [event], timers_for(case, policy, rt.calendar))
        uow.commit()
    return event


def findings(s: Story) -> list[tuple[int | None, str]]:
    return [(v.seq, v.check) for v in audit.verify_case(s.rt, s.case_id).violations]


# --- the attacks, through the service ----------------------------------------------------------

def test_issue14_2_an_instalment_of_999999999999_fen_is_not_a_correction_of_the_approval(paid):
    """The instalments are what the policy grants on recognition: not an entry a correction may set."""
    bad = [{"number": 1, "amount_fen": 999_999_999_999, "due_on": "2024-06-12"}]
    e = refused(paid, "approve", {"payload": {"instalments": bad}})
    assert e.field == "changes.payload.instalments" and e.rule == "R17"
    assert paid.case.instalments[0].amount_fen == FULL


def test_issue14_2_a_payment_corrected_to_more_than_the_instalment_owes_is_refused(paid):
    e = refused(paid, "record_payment", {"payload": {"amount_fen": 999_999_999_999}})
    assert e.field == "changes.payload.amount_fen"
    assert "500,000.00 yuan" in str(e)  # what the policy's instalment owes, as record_payment says it
    refused(paid, "record_payment", {"payload": {"amount_fen": "999999999999"}})  # not even a number


def test_issue14_2_a_period_end_moved_to_2099_is_not_a_correction(paid):
    period = {"number": 1, "start": "2024-06-12", "end": "2099-12-31"}
    e = refused(paid, "approve", {"payload": {"period": period}})
    assert e.field == "changes.payload.period"
    assert paid.case.period.end == D(2029, 6, 12)


def test_issue14_2_a_corrected_approval_date_gives_its_period_and_instalments_from_the_policy(paid):
    """Legal: the approval was on 06-11. The correction records the recognition decided again from
    that day — its period and instalment — and the instalment the system found due on 06-12 was
    due by then."""
    case, event = correct(paid, "approve", {"on": "2024-06-11"})
    changes = event.payload["changes"]
    assert changes["on"] == "2024-06-11"
    assert changes["payload"] == {"period": {"number": 1, "start": "2024-06-11", "end": "2029-06-11"},
                                  "instalments": [{"number": 1, "amount_fen": FULL, "due_on": "2024-06-11"}]}
    assert (case.recognized_on, case.period.end) == (D(2024, 6, 11), D(2029, 6, 11))
    assert audit.verify_case(paid.rt, paid.case_id).ok


def test_issue14_2_an_approval_moved_after_the_day_its_instalment_was_found_due_is_refused(rt, clock):
    """The approval of 06-12 was entered on 06-20 and its instalment found due on 06-12. Dated 06-15,
    the instalment would only fall due on 06-15: the history would have the system act before it."""
    add_people(rt)
    s = Story(rt, clock)
    s.apply(D(2024, 4, 10), seed=1, base=BASE_A)
    s.act("inspect", D(2024, 5, 10), actor=INSPECTOR, outcome="pass")
    clock.set_day(D(2024, 6, 20))
    cases.ACTS["approve"](rt, s.case_id, on=D(2024, 6, 12), actor=SUPERVISOR, reason="批复（补录）")
    s.until(D(2024, 6, 21))
    assert [(e.act, e.on) for e in s.events][-2:] == [("approve", D(2024, 6, 12)), ("instalment_due", D(2024, 6, 12))]
    e = refused(s, "approve", {"on": "2024-06-15"})
    assert "instalment" in str(e)
    correct(s, "approve", {"on": "2024-06-11"})  # earlier: the instalment was due by 06-12 all the same
    assert audit.verify_case(rt, s.case_id).ok


def test_issue14_2_an_act_dated_in_the_future_is_refused(paid):
    e = refused(paid, "submit_annual_report", {"on": "2099-01-01"})
    assert e.field == "changes.on"
    # nor after the day it was recorded (2025-03-10), even if that is before today
    e = refused(paid, "submit_annual_report", {"on": "2025-05-01"})
    assert e.field == "changes.on" and "recorded on 2025-03-10" in str(e)
    # a date in order and on or before the day it was recorded is a correction
    case, _ = correct(paid, "submit_annual_report", {"on": "2025-03-03"})
    assert case.reports == {2024: D(2025, 3, 3)}


def test_issue14_2_an_act_moved_before_the_act_before_it_is_refused(paid):
    e = refused(paid, "record_payment", {"on": "2024-06-01"})  # before the approval (06-12)
    assert e.field == "changes.on"


def test_issue14_2_a_failed_inspection_turned_into_a_pass_cannot_then_be_approved_by_the_corrector(rt, clock):
    add_people(rt)
    s = Story(rt, clock)
    s.apply(D(2024, 4, 10), seed=1, base=BASE_A)
    s.act("inspect", D(2024, 5, 10), actor=INSPECTOR, outcome="fail", findings="场地不符合要求")
    assert s.case.state == "rejected"
    clock.set_day(D(2024, 5, 20))
    case, _ = audit.correct(rt, s.case_id, corrects=2, changes={"payload": {"outcome": "pass"}}, actor=SUPERVISOR,
                            on=D(2024, 5, 20), reason="考察结论录入错误，经核对为通过")
    assert case.state == "inspected" and SUPERVISOR in case.inspectors  # who corrected it took part in it
    with pytest.raises(FourEyesViolation) as four_eyes:
        s.act("approve", D(2024, 5, 21), actor=SUPERVISOR)
    assert four_eyes.value.rule == "R5"
    s.act("approve", D(2024, 5, 21), actor=SUPERVISOR_2)
    assert s.case.state == "recognized" and audit.verify_case(rt, s.case_id).ok


def test_issue14_2_nobody_who_took_part_in_the_inspection_corrects_it_or_the_approval(rt, clock):
    add_people(rt)
    s = Story(rt, clock)
    s.apply(D(2024, 4, 10), seed=1, base=BASE_A)
    s.act("inspect", D(2024, 5, 10), actor=INSPECTOR, outcome="pass", inspectors=[INSPECTOR, SUPERVISOR_2])
    s.act("approve", D(2024, 6, 12), actor=SUPERVISOR)
    clock.set_day(D(2024, 6, 20))
    for act in ("inspect", "approve"):
        e = refused(s, act, {"reason": "更正"}, actor=SUPERVISOR_2, error=FourEyesViolation)
        assert e.rule == "R5"
    # nor the approver the inspection the approval rests on
    assert refused(s, "inspect", {"payload": {"findings": "补充"}}, actor=SUPERVISOR, error=FourEyesViolation).rule \
        == "R5"


def test_issue14_2_nobody_corrects_their_own_act(paid):
    e = refused(paid, "approve", {"reason": "批复理由更正"}, actor=SUPERVISOR, error=FourEyesViolation)
    assert e.rule == "R17"


def test_issue14_2_who_suspended_does_not_correct_the_revocation(paid):
    paid.act("suspend", D(2025, 6, 3), actor=SUPERVISOR_2, ground="fraud")
    paid.act("revoke", D(2025, 6, 10), actor=SUPERVISOR, ground="fraud")
    e = refused(paid, "revoke", {"reason": "撤销理由更正"}, actor=SUPERVISOR_2, error=FourEyesViolation)
    assert e.rule == "R13"


@pytest.mark.parametrize("changes, field", [
    ({"on": "garbage"}, "changes.on"),
    ({"on": 20240611}, "changes.on"),
    ({"payload": []}, "changes.payload"),
    ({"payload": "pass"}, "changes.payload"),
    ({"reason": ""}, "changes.reason"),
    ({"act": "reject"}, "changes"),
    ({}, "changes"),
    ([], "changes"),
])
def test_issue14_2_malformed_changes_are_refused_with_the_field_named(paid, changes, field):
    """Before: {"on": "garbage"} raised ValueError and {"payload": []} TypeError (500 on the API)."""
    e = refused(paid, "submit_annual_report", changes)
    assert isinstance(e, InvalidAct) and e.field == field


def test_issue14_2_the_application_and_the_system_acts_take_a_new_reason_only(paid):
    refused(paid, "apply", {"on": "2024-04-09"})
    refused(paid, "instalment_due", {"payload": {"number": 2}})
    case, event = correct(paid, "apply", {"reason": "受理申报材料（补正）"})
    assert event.payload["changes"] == {"reason": "受理申报材料（补正）"}


def test_issue14_2_an_assessment_corrected_from_fail_to_pass_earns_what_the_policy_pays(rt, clock):
    """The corrected act decided again: its consequences follow from the policy, not from the request."""
    add_people(rt)
    s = Story(rt, clock)
    s.recognize(D(2024, 4, 10), D(2024, 5, 10), D(2024, 6, 12), seed=1, base=BASE_A)
    s.act("record_assessment", D(2026, 6, 1), outcome="fail", grade="不达标")
    clock.set_day(D(2026, 6, 5))
    case, event = audit.correct(rt, s.case_id, corrects=s.events[-1].seq,
                                changes={"payload": {"outcome": "pass", "grade": "达标"}}, actor=SUPERVISOR_2,
                                on=D(2026, 6, 5), reason="考核结果录入错误")
    assert event.payload["changes"]["payload"]["rectification"] is None
    assert case.state == "assessed" and audit.verify_case(rt, s.case_id).ok


# --- verify checks the corrected history --------------------------------------------------------

def test_issue14_2_verify_names_a_correction_that_sets_a_payment_the_policy_does_not_owe(paid):
    """Before: the replay followed the correction and the snapshot agreed, so verify said ok."""
    seq = seq_of(paid, "record_payment")
    correct_directly(paid, seq, {"payload": {"amount_fen": 999_999_999_999}})
    assert (seq, "correction") in findings(paid)


def test_issue14_2_verify_names_a_correction_that_moves_the_period_end(paid):
    correct_directly(paid, seq_of(paid, "approve"),
                     {"payload": {"period": {"number": 1, "start": "2024-06-12", "end": "2099-12-31"}}})
    assert (seq_of(paid, "approve"), "correction") in findings(paid)


def test_issue14_2_verify_names_a_correction_dated_in_the_future_of_the_act(paid):
    correct_directly(paid, seq_of(paid, "submit_annual_report"), {"on": "2025-06-01"})
    assert (seq_of(paid, "submit_annual_report"), "correction") in findings(paid)


def test_issue14_2_verify_names_a_correction_by_the_inspector_and_the_approval_after_it(rt, clock):
    add_people(rt)
    s = Story(rt, clock)
    s.apply(D(2024, 4, 10), seed=1, base=BASE_A)
    s.act("inspect", D(2024, 5, 10), actor=INSPECTOR, outcome="fail")
    clock.set_day(D(2024, 5, 20))
    fix = correct_directly(s, 2, {"payload": {"outcome": "pass"}}, actor=SUPERVISOR)
    # the service refuses the corrector's approval (above); written directly, verify names it
    approve = write_directly(rt, s.case_id, "approve", D(2024, 5, 21), SUPERVISOR, "批复", "R5", {
        "period": {"number": 1, "start": "2024-05-21", "end": "2029-05-21"},
        "instalments": [{"number": 1, "amount_fen": FULL, "due_on": "2024-05-21"}]})
    found = findings(s)
    assert (approve.seq, "four-eyes") in found and fix.seq not in [seq for seq, _ in found]


def test_issue14_2_verify_names_a_correction_of_ones_own_act(paid):
    fix = correct_directly(paid, seq_of(paid, "approve"), {"reason": "理由"}, actor=SUPERVISOR)
    assert (fix.seq, "four-eyes") in findings(paid)


@pytest.mark.parametrize("changes", [{"on": "garbage"}, {"payload": []}, "everything"])
def test_issue14_2_verify_names_a_malformed_correction_instead_of_failing(paid, changes):
    """Before: verify raised on reading it (ValueError, TypeError), so the API's verify answered 500."""
    fix = correct_directly(paid, seq_of(paid, "submit_annual_report"), changes)
    assert (fix.seq, "correction") in findings(paid)
    assert paid.case.reports == {2024: D(2025, 3, 10)}  # replay leaves it out


def test_issue14_2_a_legal_correction_verifies(paid):
    correct(paid, "submit_annual_report", {"on": "2025-03-03", "reason": "年报实际报送日期为3月3日"})
    assert audit.verify_case(paid.rt, paid.case_id).ok
    assert all(r.ok for r in audit.verify_all(paid.rt))


def test_issue14_2_a_caseworker_still_cannot_correct_through_the_role_check(paid):
    from services.users import Forbidden, authenticate, create_token

    caseworker = authenticate(paid.rt, create_token(paid.rt, CASEWORKER))
    with pytest.raises(Forbidden):
        audit.correct(paid.rt, paid.case_id, corrects=seq_of(paid, "submit_annual_report"),
                      changes={"reason": "x"}, actor=CASEWORKER, on=paid.rt.today(), reason="更正", user=caseworker)
