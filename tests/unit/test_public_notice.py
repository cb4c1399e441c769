"""R22, the pure domain: the public notice (公示) between the approval and the recognition.

A case approved under a policy with `public_notice.period = "5wd"` is `publicized`, not yet in
force; objections are recorded during the notice and decided by a supervisor who did not inspect
(R5); the day after the notice's last day the system recognises it, as of that last day. Dates are
worked out by hand on the official calendar (R16): 2024-06-14 is a Friday, 2024-06-17 to 06-21 are
five working days (the 端午 holiday was 06-10).
"""
from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.calendars import default_calendar
from statemachines import acts, automatic
from statemachines.acts import Recording, allowed_acts
from statemachines.audit import check_history
from statemachines.case import Case, Period
from statemachines.errors import FourEyesViolation, IllegalTransition, InvalidAct, NotDue, OutsideNotice
from statemachines.events import SYSTEM_ACTOR, Draft, Event, seal
from statemachines.fold import apply_event
from statemachines.replay import replay
from statemachines.timers import Timer, timers_for
from tests.policy_variants import variant

CALENDAR = default_calendar()
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 1, 5, 10, 0, tzinfo=SHANGHAI)  # when each act is recorded: after its business date
INSPECTOR, SUPERVISOR, SUPERVISOR_2 = "caseworker.zhao", "supervisor.li", "supervisor.chen"
APPROVED = date(2024, 6, 14)  # a Friday
FIRST, LAST = date(2024, 6, 17), date(2024, 6, 21)  # Monday to Friday: 5 working days, the 14th not counted


def notice_policy(period: str = "5wd"):
    return variant("430000", replace={"public_notice": {"period": period, "clause": "测试用条款：公示5个工作日"}})


POLICY = notice_policy()
GUIZHOU = variant("430000")  # the same rules without a public notice


def ctx(on: date, actor: str = SUPERVISOR) -> Recording:
    return Recording(actor, on, "依规办理", NOW)


def inspected() -> Case:
    return Case(id="case-1", base_id="base-1", base_name="长沙市创业园", operator_code="91350100M000100Y43",
                level="provincial", jurisdiction="430000", policy_id=POLICY.id, policy_version=POLICY.version,
                applied_on=date(2024, 4, 8), state="inspected", version=2, last_on=date(2024, 5, 16),
                last_act="inspect", inspected_by=INSPECTOR, inspectors=[INSPECTOR])


def publicized() -> tuple[Case, list[Event]]:
    case = inspected()
    return case, acts.approve(case, POLICY, CALENDAR, ctx(APPROVED))


def objection(case: Case, on: date, objection_id: str = "o-1") -> list[Event]:
    return acts.record_objection(case, POLICY, CALENDAR, ctx(on, "caseworker.wang"), objection_id=objection_id,
                                 summary="举报该基地场地面积与申报材料不符")


def fire_notice(case: Case, on: date | None = None) -> list[Event]:
    timer = next(t for t in timers_for(case, POLICY, CALENDAR) if t.kind == "public_notice")
    return automatic.fire(case, POLICY, CALENDAR, timer, NOW if on is None else
                          datetime.combine(on, datetime.min.time(), SHANGHAI) + timedelta(hours=1, minutes=30))


# --- the approval ------------------------------------------------------------------------------

def test_r22_the_approval_opens_the_notice_and_does_not_recognise():
    case, events = publicized()
    assert case.state == "publicized" and [e.act for e in events] == ["approve"]
    assert events[0].payload == {"notice": {"number": 1, "period": "5wd", "first_day": "2024-06-17",
                                            "last_day": "2024-06-21", "provisional": False}}
    n = case.notice
    assert (n.number, n.approved_on, n.first_day, n.last_day, n.provisional) == (1, APPROVED, FIRST, LAST, False)
    # not in force: no period, no recognition date, no instalment, no report or assessment owed
    assert case.period is None and case.recognized_on is None and case.instalments == []
    assert timers_for(case, POLICY, CALENDAR) == [Timer("public_notice", "1", date(2024, 6, 22))]


def test_r22_without_a_notice_the_approval_recognises_at_once_as_before():
    case = inspected()
    events = acts.approve(case, GUIZHOU, CALENDAR, ctx(APPROVED))
    assert case.state == "recognized" and case.notice is None
    assert case.period == Period(1, APPROVED, date(2029, 6, 14)) and case.recognized_on == APPROVED
    assert set(events[0].payload) == {"period", "instalments"}


def test_r22_r15_a_notice_in_calendar_days_starts_the_next_day_and_ends_off_rest_days():
    case = inspected()
    acts.approve(case, notice_policy("7d"), CALENDAR, ctx(APPROVED))
    # from Saturday 06-15 to 06-21 (7 days from the 14th, a Friday: a working day, not moved)
    assert (case.notice.first_day, case.notice.last_day) == (date(2024, 6, 15), date(2024, 6, 21))
    case = inspected()
    acts.approve(case, notice_policy("8d"), CALENDAR, ctx(APPROVED))
    # 8 days end on Saturday 06-22: the last day to object moves to Monday 06-24 (art. 203)
    assert case.notice.last_day == date(2024, 6, 24)


def test_r22_during_the_notice_only_objections_reject_and_withdraw_are_legal():
    case, _ = publicized()
    assert allowed_acts(case, POLICY) == ["reject", "withdraw", "record_objection"]
    for act, fields in (("approve", {}), ("record_assessment", {"outcome": "pass"}),
                        ("submit_annual_report", {"year": 2024})):
        with pytest.raises(IllegalTransition):
            acts.DECIDE[act](case, POLICY, CALENDAR, ctx(FIRST), **fields)
    with pytest.raises(NotDue):  # nothing to decide yet
        acts.decide_objection(case, POLICY, CALENDAR, ctx(FIRST), objection_id="o-1", decision="dismiss")


# --- objections --------------------------------------------------------------------------------

def test_r22_an_objection_holds_the_notices_end_back_until_it_is_decided():
    case, _ = publicized()
    objection(case, date(2024, 6, 18))
    assert case.state == "publicized" and [o.id for o in case.open_objections()] == ["o-1"]
    assert "decide_objection" in allowed_acts(case, POLICY)
    assert timers_for(case, POLICY, CALENDAR) == []  # not owed while the objection waits
    # a timer from before the objection fires as a no-op
    assert automatic.fire(case, POLICY, CALENDAR, Timer("public_notice", "1", date(2024, 6, 22)), NOW) == []
    acts.decide_objection(case, POLICY, CALENDAR, ctx(date(2024, 6, 20)), objection_id="o-1", decision="dismiss")
    assert case.state == "publicized" and case.objections[0].decision == "dismiss"
    assert timers_for(case, POLICY, CALENDAR) == [Timer("public_notice", "1", date(2024, 6, 22))]


@pytest.mark.parametrize("on", [date(2024, 6, 14), date(2024, 6, 15), date(2024, 6, 22)])
def test_r22_an_objection_outside_the_notice_is_refused_and_changes_nothing(on):
    case, _ = publicized()
    before = copy.deepcopy(case.to_dict())
    with pytest.raises(OutsideNotice) as refused:
        objection(case, on)
    assert refused.value.rule == "R22" and refused.value.details["last_day"] == "2024-06-21"
    assert case.to_dict() == before


def test_r22_an_objection_needs_a_summary_and_its_own_id():
    case, _ = publicized()
    with pytest.raises(InvalidAct) as refused:
        acts.record_objection(case, POLICY, CALENDAR, ctx(FIRST), objection_id="o-1", summary="  ")
    assert refused.value.field == "summary"
    objection(case, FIRST)
    with pytest.raises(InvalidAct) as again:
        objection(case, FIRST)
    assert again.value.field == "objection_id"


def test_r22_r5_who_inspected_may_not_decide_an_objection():
    case, _ = publicized()
    objection(case, FIRST)
    with pytest.raises(FourEyesViolation) as refused:
        acts.decide_objection(case, POLICY, CALENDAR, ctx(date(2024, 6, 19), INSPECTOR), objection_id="o-1",
                              decision="dismiss")
    assert refused.value.rule == "R5"
    assert case.open_objections() and case.state == "publicized"


def test_r22_a_decision_names_an_objection_waiting_and_dismiss_or_uphold():
    case, _ = publicized()
    objection(case, FIRST)
    with pytest.raises(InvalidAct) as unknown:
        acts.decide_objection(case, POLICY, CALENDAR, ctx(FIRST), objection_id="o-9", decision="dismiss")
    assert unknown.value.field == "objection_id" and "o-1" in unknown.value.message
    with pytest.raises(InvalidAct) as bad:
        acts.decide_objection(case, POLICY, CALENDAR, ctx(FIRST), objection_id="o-1", decision="ignore")
    assert bad.value.field == "decision"


def test_r22_an_upheld_objection_sends_the_case_back_for_a_new_decision():
    case, _ = publicized()
    objection(case, FIRST, "o-1")
    objection(case, date(2024, 6, 18), "o-2")
    acts.decide_objection(case, POLICY, CALENDAR, ctx(date(2024, 6, 19)), objection_id="o-1", decision="uphold")
    assert case.state == "inspected" and case.notice.outcome == "objection_upheld"
    # the other objection goes back with the case: nothing is left waiting, no notice runs
    assert [(o.id, o.decision) for o in case.objections] == [("o-1", "uphold"), ("o-2", "superseded")]
    assert timers_for(case, POLICY, CALENDAR) == []
    assert allowed_acts(case, POLICY) == ["approve", "reject", "withdraw"]
    # a new approval opens a second notice, from the new decision
    acts.approve(case, POLICY, CALENDAR, ctx(date(2024, 7, 1), SUPERVISOR_2))
    n = case.notice
    assert (case.state, n.number, n.first_day, n.last_day) == ("publicized", 2, date(2024, 7, 2), date(2024, 7, 8))
    assert case.open_objections() == []  # the first notice's objections are not this one's


# --- the end of the notice ---------------------------------------------------------------------

def test_r22_the_notices_end_recognises_as_of_its_last_day():
    case, _ = publicized()
    events = fire_notice(case, date(2024, 6, 22))
    assert [(e.act, e.on, e.actor, e.rule) for e in events] == [
        ("end_public_notice", date(2024, 6, 22), SYSTEM_ACTOR, "R22")]
    assert case.state == "recognized" and case.recognized_on == LAST
    # the period and the grant count from the notice's end, not from the approval (R6, R11)
    assert case.period == Period(1, LAST, date(2029, 6, 21))
    assert [(i.number, i.due_on, i.amount_fen) for i in case.instalments] == [(1, LAST, 50_000_000)]
    assert (case.notice.ended_on, case.notice.outcome) == (date(2024, 6, 22), "recognized")
    assert "public_notice" not in {t.kind for t in timers_for(case, POLICY, CALENDAR)}


def test_r22_a_sweep_days_late_still_dates_the_recognition_by_the_notice():
    case, _ = publicized()
    fire_notice(case, date(2024, 7, 3))  # after an outage: the act keeps the timer's date
    assert case.last_on == date(2024, 6, 22) and case.period.start == LAST


def test_r22_a_dismissal_after_the_last_day_recognises_at_once_as_of_that_day():
    case, _ = publicized()
    objection(case, date(2024, 6, 21))
    decided = date(2024, 6, 26)
    events = acts.decide_objection(case, POLICY, CALENDAR, ctx(decided), objection_id="o-1", decision="dismiss")
    assert [(e.act, e.on, e.actor) for e in events] == [("decide_objection", decided, SUPERVISOR),
                                                        ("end_public_notice", decided, SYSTEM_ACTOR)]
    assert case.state == "recognized" and case.period == Period(1, decided, date(2029, 6, 26))


def test_r22_one_of_two_objections_dismissed_late_still_waits_for_the_other():
    case, _ = publicized()
    objection(case, FIRST, "o-1")
    objection(case, LAST, "o-2")
    acts.decide_objection(case, POLICY, CALENDAR, ctx(date(2024, 6, 24)), objection_id="o-1", decision="dismiss")
    assert case.state == "publicized" and timers_for(case, POLICY, CALENDAR) == []
    acts.decide_objection(case, POLICY, CALENDAR, ctx(date(2024, 6, 25)), objection_id="o-2", decision="dismiss")
    assert case.state == "recognized" and case.recognized_on == date(2024, 6, 25)


@pytest.mark.parametrize(("act", "state"), [("reject", "rejected"), ("withdraw", "withdrawn")])
def test_r22_a_case_may_be_refused_or_withdrawn_during_the_notice(act, state):
    case, _ = publicized()
    acts.DECIDE[act](case, POLICY, CALENDAR, ctx(date(2024, 6, 19)))
    assert case.state == state and case.period is None and timers_for(case, POLICY, CALENDAR) == []


# --- replay and audit --------------------------------------------------------------------------

def _history() -> tuple[Case, list[Event]]:
    case = inspected()
    # the events before the approval, so the history replays from `apply`
    start = [seal(Event(case_id=case.id, seq=1, act="apply", on=date(2024, 4, 8), recorded_at=NOW,
                        actor="caseworker.wang", reason="受理", rule="R1", policy_id=POLICY.id,
                        policy_version=POLICY.version,
                        payload={"base_id": case.base_id, "base_name": case.base_name,
                                 "operator_code": case.operator_code, "level": case.level,
                                 "jurisdiction": case.jurisdiction}))]
    case = apply_event(None, start[0], POLICY)
    events = list(start)
    events += acts.inspect(case, POLICY, CALENDAR, ctx(date(2024, 5, 16), INSPECTOR), outcome="pass")
    events += acts.approve(case, POLICY, CALENDAR, ctx(APPROVED))
    events += objection(case, FIRST, "o-1")
    events += acts.decide_objection(case, POLICY, CALENDAR, ctx(date(2024, 6, 19), SUPERVISOR_2),
                                    objection_id="o-1", decision="uphold")
    events += acts.approve(case, POLICY, CALENDAR, ctx(date(2024, 7, 1), SUPERVISOR_2))
    events += fire_notice(case, date(2024, 7, 9))
    return case, events


def test_r22_r17_replay_gives_the_case_the_acts_made():
    case, events = _history()
    assert case.state == "recognized" and case.notice.number == 2 and case.period.start == date(2024, 7, 8)
    assert replay(events, lambda *_: POLICY) == case
    replayed, violations = check_history(case.id, events, lambda *_: POLICY)
    assert violations == [] and replayed == case


def test_r22_r5_the_audit_finds_an_objection_decided_by_an_inspector():
    case, events = _history()
    replayed = replay(events[:4], lambda *_: POLICY)  # approved, objection recorded
    tampered = acts.record(replayed, POLICY, CALENDAR, [Draft(
        "decide_objection", date(2024, 6, 19), INSPECTOR, "异议成立", "R22",
        {"objection_id": "o-1", "decision": "uphold"})], NOW)
    _, violations = check_history(case.id, events[:4] + tampered, lambda *_: POLICY)
    assert [(v.rule, v.check) for v in violations] == [("R5", "four-eyes")]
