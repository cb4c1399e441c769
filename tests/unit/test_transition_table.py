"""Every (state, act) pair of the lifecycle, against a table written by hand from docs/rules.md.

Each case is built directly in memory in the state under test, with what the state needs (a
period for the in-force states, `suspended_from` for `suspended`, a rectification for
`rectifying`, a ban for `revoked`) and what the acts need to have something to act on (a
complaint waiting for verification, an instalment due, the re-evaluation review opened). An
act the rules allow moves the case to the expected state; an act they do not allow raises
`IllegalTransition` naming the acts that are legal now, and leaves the case unchanged.
"""
from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.calendars import default_calendar
from services.policies import default_policies
from statemachines import acts, catalogue
from statemachines.acts import Recording, allowed_acts
from statemachines.case import Assessment, Ban, Case, Complaint, Instalment, Notice, Objection, Period, Rectification
from statemachines.errors import (
    DateOutOfOrder,
    FourEyesViolation,
    FutureDate,
    IllegalTransition,
    InvalidAct,
    NotDue,
)
from statemachines.events import SYSTEM_ACTOR, Draft
from statemachines.lifecycle import STATES, SYSTEM_ACTS, USER_ACTS
from statemachines.states import STATE_NAMES_ZH

POLICY = default_policies().get("guizhou-provincial-2022", 1)
CALENDAR = default_calendar()
SHANGHAI = ZoneInfo("Asia/Shanghai")

INSPECTOR = "inspector-li"  # recorded the passed inspection
SUSPENDER = "caseworker-wang"  # recorded the suspension
ACTOR = "supervisor-zhao"  # records every act of the table: neither of the two above

PERIOD_START = date(2020, 6, 9)
PERIOD_END = date(2025, 6, 9)  # 5 years (R6)
LAST_ON = date(2025, 6, 1)  # the case's last act
ON = date(2025, 6, 9)  # the business date of the act under test
NOW = datetime(2025, 6, 10, 10, 0, tzinfo=SHANGHAI)  # when it is recorded: after ON
GRANT_FEN = 50_000_000  # 500,000 CNY provincial grant (R11), all on recognition


def ctx(actor: str = ACTOR, on: date = ON, reason: str = "依据现场记录", now: datetime = NOW) -> Recording:
    return Recording(actor, on, reason, now)


# --- cases built in each state -----------------------------------------------------------------

def _base(state: str, **fields) -> Case:
    return Case(
        id=f"case-{state}", base_id="base-1", base_name="贵阳创业孵化基地",
        operator_code="91350100M000100Y43", level="provincial", jurisdiction="520100",
        policy_id=POLICY.id, policy_version=POLICY.version, applied_on=date(2020, 4, 10),
        state=state, version=7, last_on=LAST_ON, last_act="record_complaint", **fields,
    )


def _pending_complaint() -> Complaint:
    return Complaint("c-1", date(2025, 5, 20), "孵化服务未按承诺提供", period=1)


def _in_force(state: str, *, instalment_status: str = "due", **fields) -> Case:
    fields.setdefault("assessments", [])
    return _base(
        state,
        inspected_by=INSPECTOR,
        recognized_on=PERIOD_START,
        period=Period(1, PERIOD_START, PERIOD_END),
        instalments=[Instalment(1, PERIOD_START, GRANT_FEN, status=instalment_status)],
        complaints=[_pending_complaint()],
        flags=["reevaluation_review_due"],  # the period has ended and re-evaluation is open
        **fields,
    )


def make_case(state: str) -> Case:
    if state == "applied":
        return _base("applied")
    if state == "inspected":
        return _base("inspected", inspected_by=INSPECTOR)
    if state == "publicized":  # R22: approved on 2025-05-30, its notice running, an objection to decide
        return _base("publicized", inspected_by=INSPECTOR,
                     notice=Notice(1, date(2025, 5, 30), date(2025, 6, 3), date(2025, 6, 10), False),
                     objections=[Objection("o-1", 1, date(2025, 6, 4), "申报材料与实际不符")])
    if state == "recognized":
        return _in_force("recognized")
    if state == "assessed":
        return _in_force("assessed", assessments=[Assessment(1, 1, date(2022, 6, 9), "pass", "达标", True)])
    if state == "rectifying":
        return _in_force(
            "rectifying", instalment_status="withheld",
            assessments=[Assessment(1, 1, date(2025, 5, 1), "fail", "不达标", True)],
            consecutive_fails=1,
            rectification=Rectification(1, 1, date(2025, 5, 1), date(2025, 8, 1), False),
        )
    if state == "suspended":
        return _in_force(
            "suspended", instalment_status="withheld",
            assessments=[Assessment(1, 1, date(2022, 6, 9), "pass", "达标", True)],
            suspended_from="assessed", suspended_by=SUSPENDER, suspension_ground="fraud",
        )
    if state == "revoked":
        return _in_force(
            "revoked", instalment_status="cancelled",
            revocation_ground="fraud", end_reason="revoked:fraud",
            ban=Ban("fraud", "provincial", date(2025, 6, 1), date(2030, 6, 1)),
        )
    if state == "rejected":
        return _base("rejected", end_reason="rejected")
    if state == "withdrawn":
        return _base("withdrawn", end_reason="withdrawn")
    if state == "lapsed":
        return _in_force("lapsed", instalment_status="cancelled", end_reason="lapsed")
    raise AssertionError(state)


# --- the user acts, with valid fields ----------------------------------------------------------

ACT_FIELDS: dict[str, dict] = {
    "inspect": {"outcome": "pass", "inspectors": [INSPECTOR]},
    "approve": {},
    "reject": {},
    "withdraw": {},
    "submit_annual_report": {"year": 2024},
    "record_assessment": {"outcome": "pass"},
    "record_rectification": {"outcome": "pass"},
    "record_complaint": {"complaint_id": "c-2", "summary": "场地服务收费与承诺不符"},
    "verify_complaint": {"complaint_id": "c-1", "valid": True},
    "suspend": {"ground": "fraud"},
    "reinstate": {},
    "revoke": {"ground": "fraud"},
    "reevaluate": {"decision": "extend"},
    "record_payment": {"number": 1, "amount_fen": GRANT_FEN},
    "record_repayment": {"amount_fen": GRANT_FEN},
    "record_objection": {"objection_id": "o-2", "summary": "场地面积与公示不符"},
    "decide_objection": {"objection_id": "o-1", "decision": "dismiss"},
}

X = IllegalTransition

# (state, act) -> the state after the act, or the error it raises. Written from docs/rules.md:
#   R4 inspect: applied -> inspected;  R5 approve: inspected -> recognized, reject: -> rejected
#   withdraw: the application (applied, inspected) or the recognition (in force) is given up
#   R7 annual report and R12 complaints: in force and suspended, no state change
#   R8 assessment: recognized|assessed -> assessed;  R9 re-assessment: rectifying -> assessed
#   R10 re-evaluation: in force -> recognized (extend)
#   R11 payment: only from recognized|assessed (withheld while rectifying or suspended)
#   R12 suspend: in force -> suspended;  R13 suspended is left only by reinstate or revoke
#   R9/R12/R14 revoke: in force or suspended -> revoked
#   rejected, withdrawn, lapsed are terminal; revoked only waits for its ban to end
#   R22 publicized (the notice runs): objections recorded and decided (dismissed here), reject, withdraw;
#   no other act until the notice ends. Objections exist only there.
NO_NOTICE = {"record_objection": X, "decide_objection": X}
TABLE: dict[str, dict[str, str | type]] = {
    "applied": {
        "inspect": "inspected", "approve": X, "reject": "rejected", "withdraw": "withdrawn",
        "submit_annual_report": X, "record_assessment": X, "record_rectification": X,
        "record_complaint": X, "verify_complaint": X, "suspend": X, "reinstate": X, "revoke": X,
        "reevaluate": X, "record_payment": X, **NO_NOTICE,
    },
    "inspected": {
        "inspect": X, "approve": "recognized", "reject": "rejected", "withdraw": "withdrawn",
        "submit_annual_report": X, "record_assessment": X, "record_rectification": X,
        "record_complaint": X, "verify_complaint": X, "suspend": X, "reinstate": X, "revoke": X,
        "reevaluate": X, "record_payment": X, **NO_NOTICE,
    },
    "publicized": {
        "inspect": X, "approve": X, "reject": "rejected", "withdraw": "withdrawn",
        "submit_annual_report": X, "record_assessment": X, "record_rectification": X,
        "record_complaint": X, "verify_complaint": X, "suspend": X, "reinstate": X, "revoke": X,
        "reevaluate": X, "record_payment": X,
        "record_objection": "publicized", "decide_objection": "publicized",
    },
    "recognized": {
        "inspect": X, "approve": X, "reject": X, "withdraw": "withdrawn",
        "submit_annual_report": "recognized", "record_assessment": "assessed", "record_rectification": X,
        "record_complaint": "recognized", "verify_complaint": "recognized", "suspend": "suspended",
        "reinstate": X, "revoke": "revoked", "reevaluate": "recognized", "record_payment": "recognized",
        **NO_NOTICE,
    },
    "assessed": {
        "inspect": X, "approve": X, "reject": X, "withdraw": "withdrawn",
        "submit_annual_report": "assessed", "record_assessment": "assessed", "record_rectification": X,
        "record_complaint": "assessed", "verify_complaint": "assessed", "suspend": "suspended",
        "reinstate": X, "revoke": "revoked", "reevaluate": "recognized", "record_payment": "assessed",
        **NO_NOTICE,
    },
    "rectifying": {
        "inspect": X, "approve": X, "reject": X, "withdraw": "withdrawn",
        "submit_annual_report": "rectifying", "record_assessment": X, "record_rectification": "assessed",
        "record_complaint": "rectifying", "verify_complaint": "rectifying", "suspend": "suspended",
        "reinstate": X, "revoke": "revoked", "reevaluate": "recognized", "record_payment": X,
        **NO_NOTICE,
    },
    "suspended": {
        "inspect": X, "approve": X, "reject": X, "withdraw": X,
        "submit_annual_report": "suspended", "record_assessment": X, "record_rectification": X,
        "record_complaint": "suspended", "verify_complaint": "suspended", "suspend": X,
        "reinstate": "assessed", "revoke": "revoked", "reevaluate": X, "record_payment": X,
        **NO_NOTICE,
    },
    **{
        terminal: {act: X for act in USER_ACTS}
        for terminal in ("revoked", "rejected", "withdrawn", "lapsed")
    },
}
# R20: a repayment is recorded only on a revoked case, and only while money is owed back, which
# the revoked case here does not owe (tests/unit/test_subsidy.py records one)
for _state, _acts in TABLE.items():
    _acts.setdefault("record_repayment", X)
TABLE["revoked"]["record_repayment"] = NotDue

# The system acts (timers and cascades), recorded through `acts.record` as the sweep does.
SYSTEM_PAYLOADS: dict[str, dict] = {
    "extend": {"period": {"number": 2, "start": PERIOD_END.isoformat(), "end": "2030-06-09"}},
    "flag_overdue_report": {"year": 2024},
    "flag_overdue_assessment": {"period": 1, "index": 2},
    "record_missed_assessment": {"period": 1, "index": 2, "outcome": "missed", "grade": "未参加考核",
                                 "rectification": {"deadline": "2025-09-09", "provisional": False, "period": "3m"}},
    "open_rectification_review": {},
    "reschedule_rectification": {"deadline": "2025-01-06", "provisional": False, "was": "2025-01-03"},
    "open_reevaluation_review": {},
    "lapse": {"why": "reapply"},
    "end_ban": {},
    "instalment_due": {"number": 1},
    "flag_overdue_clawback": {},
    "end_public_notice": {"notice": 1, "period": {"number": 1, "start": "2025-06-10", "end": "2030-06-10"},
                          "instalments": []},
    "reschedule_public_notice": {"first_day": "2025-06-03", "last_day": "2025-06-11", "provisional": False,
                                 "was": {"first_day": "2025-06-03", "last_day": "2025-06-10"}},
}
_REPORTING = ("recognized", "assessed", "rectifying", "suspended")
SYSTEM_TABLE: dict[str, dict[str, str]] = {
    # R10: automatic extension only from recognized|assessed (all assessments passed)
    "extend": {"recognized": "recognized", "assessed": "recognized"},
    # R7: an overdue report is a flag, not a state change
    "flag_overdue_report": {s: s for s in _REPORTING},
    # R8: an overdue assessment escalates, no state change
    "flag_overdue_assessment": {"recognized": "recognized", "assessed": "assessed"},
    # R21: a miss the system records is a failed assessment: rectification where the policy has it
    "record_missed_assessment": {"recognized": "rectifying", "assessed": "rectifying"},
    # R9: at the rectification deadline a review task opens
    "open_rectification_review": {"rectifying": "rectifying"},
    # R16: a provisional rectification deadline recomputed when its year's calendar arrives
    "reschedule_rectification": {"rectifying": "rectifying"},
    # R10: re-evaluation review at the end of the period, for any in-force state
    "open_reevaluation_review": {"recognized": "recognized", "assessed": "assessed", "rectifying": "rectifying"},
    # R10/R6: the period ends without a decision, or where the policy asks for a new application
    "lapse": {"recognized": "lapsed", "assessed": "lapsed", "rectifying": "lapsed"},
    # R14: the ban ends, the case stays revoked
    "end_ban": {"revoked": "revoked"},
    # R11: instalments fall due only while not withheld
    "instalment_due": {"recognized": "recognized", "assessed": "assessed"},
    # R20: money owed back after a revocation, past its deadline: a flag, no state change
    "flag_overdue_clawback": {"revoked": "revoked"},
    # R22: the notice's end recognises; R16: a provisional notice recomputed
    "end_public_notice": {"publicized": "recognized"},
    "reschedule_public_notice": {"publicized": "publicized"},
}


def test_the_table_covers_every_state_and_act():
    assert set(TABLE) == set(STATES)
    for state in STATES:
        assert set(TABLE[state]) == set(USER_ACTS), state
    assert set(SYSTEM_PAYLOADS) == set(SYSTEM_ACTS)
    assert set(SYSTEM_TABLE) == set(SYSTEM_ACTS)


def _call(case: Case, act: str, actor: str = ACTOR):
    return acts.DECIDE[act](case, POLICY, CALENDAR, ctx(actor), **ACT_FIELDS[act])


PAIRS = [(state, act) for state in STATES for act in USER_ACTS]


@pytest.mark.parametrize(("state", "act"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_R4_to_R14_every_user_act_in_every_state(state, act):
    case = make_case(state)
    expected = TABLE[state][act]
    if isinstance(expected, str):
        events = _call(case, act)
        assert case.state == expected
        assert events and events[0].act == act
        assert case.last_act == events[-1].act and case.last_on == ON
        assert case.version == 7 + len(events)
    else:
        before = copy.deepcopy(case.to_dict())
        allowed = allowed_acts(case, POLICY)
        with pytest.raises(expected) as info:
            _call(case, act)
        assert type(info.value) is expected
        # an illegal act says which acts are legal now, and changes nothing
        assert info.value.details["allowed_actions"] == allowed
        assert case.to_dict() == before
        # issue 15: its words name the act (and, where illegal, the state) as people do; the codes are its details
        assert info.value.details["act"] == act and catalogue.labels("en")[f"a.{act}"] in str(info.value)
        assert catalogue.labels("zh")[f"a.{act}"] in info.value.localized("zh")
        if expected is IllegalTransition:
            assert info.value.details["state"] == state and STATE_NAMES_ZH[state] in info.value.localized("zh")


@pytest.mark.parametrize("state", STATES)
def test_allowed_acts_are_exactly_the_legal_user_acts_of_the_table(state):
    case = make_case(state)
    legal = {act for act, expected in TABLE[state].items() if isinstance(expected, str)}
    allowed = allowed_acts(case, POLICY)
    assert set(allowed) == legal
    assert len(allowed) == len(set(allowed))


@pytest.mark.parametrize("state", STATES)
def test_system_acts_are_never_in_allowed_acts(state):
    allowed = allowed_acts(make_case(state), POLICY)
    assert not set(allowed) & set(SYSTEM_ACTS)


def test_revoked_allows_no_user_act_although_the_ban_can_end():
    case = make_case("revoked")
    assert allowed_acts(case, POLICY) == []
    acts.record(case, POLICY, CALENDAR, [Draft("end_ban", ON, SYSTEM_ACTOR, "暂停期满", "R14")], NOW)
    assert case.state == "revoked" and case.ban.ended_on == ON


SYSTEM_PAIRS = [(state, act) for state in STATES for act in SYSTEM_ACTS]


@pytest.mark.parametrize(("state", "act"), SYSTEM_PAIRS, ids=[f"{s}-{a}" for s, a in SYSTEM_PAIRS])
def test_R7_to_R14_every_system_act_in_every_state(state, act):
    case = make_case(state)
    draft = Draft(act, ON, SYSTEM_ACTOR, "定时任务触发", "R10", SYSTEM_PAYLOADS[act])
    expected = SYSTEM_TABLE[act].get(state)
    if expected is not None:
        events = acts.record(case, POLICY, CALENDAR, [draft], NOW)
        assert case.state == expected
        assert [e.act for e in events] == [act]
    else:
        before = copy.deepcopy(case.to_dict())
        with pytest.raises(IllegalTransition) as info:
            acts.record(case, POLICY, CALENDAR, [draft], NOW)
        assert type(info.value) is IllegalTransition
        assert case.to_dict() == before


# --- acts legal in the state but with nothing to act on ---------------------------------------

def _nothing_to_act_on(act: str) -> Case:
    case = make_case("assessed")
    if act == "verify_complaint":
        case.complaints[0].valid, case.complaints[0].verified_on = False, date(2025, 5, 25)
    elif act == "record_payment":
        case.instalments[0].status, case.instalments[0].paid_on = "paid", PERIOD_START
    elif act == "reevaluate":
        case.flags = []
    elif act == "record_assessment":
        case.assessments.append(Assessment(1, 2, date(2024, 6, 9), "pass", "达标", True))
    return case


@pytest.mark.parametrize("act", ["verify_complaint", "record_payment", "reevaluate", "record_assessment"])
def test_an_act_with_nothing_to_act_on_is_not_due(act):
    case = _nothing_to_act_on(act)
    allowed = allowed_acts(case, POLICY)
    assert act not in allowed
    with pytest.raises(NotDue) as info:
        _call(case, act)
    assert info.value.details["allowed_actions"] == allowed
    assert case.state == "assessed"


# --- the rules, one by one ----------------------------------------------------------------------

def test_R4_failed_inspection_rejects():
    case = make_case("applied")
    acts.inspect(case, POLICY, CALENDAR, ctx(), outcome="fail", findings="场地面积不足")
    assert case.state == "rejected"
    assert case.end_reason == "inspection_failed"


def test_R4_inspection_outcome_must_be_pass_or_fail():
    case = make_case("applied")
    with pytest.raises(InvalidAct) as info:
        acts.inspect(case, POLICY, CALENDAR, ctx(), outcome="maybe")
    assert info.value.field == "outcome"
    assert case.state == "applied"


def test_R5_approval_starts_a_five_year_period_and_schedules_the_grant():
    case = make_case("inspected")
    acts.approve(case, POLICY, CALENDAR, ctx())
    assert case.state == "recognized"
    assert case.recognized_on == ON
    assert case.period == Period(1, ON, date(2030, 6, 9))
    assert [(i.number, i.due_on, i.amount_fen) for i in case.instalments] == [(1, ON, GRANT_FEN)]


def test_R5_four_eyes_the_inspector_cannot_approve():
    case = make_case("inspected")
    with pytest.raises(FourEyesViolation) as info:
        acts.approve(case, POLICY, CALENDAR, ctx(actor=INSPECTOR))
    assert info.value.rule == "R5"
    assert case.state == "inspected"


def test_R5_four_eyes_after_a_recorded_inspection():
    case = make_case("applied")
    acts.inspect(case, POLICY, CALENDAR, ctx(actor="caseworker-chen"), outcome="pass")
    with pytest.raises(FourEyesViolation):
        acts.approve(case, POLICY, CALENDAR, ctx(actor="caseworker-chen"))
    acts.approve(case, POLICY, CALENDAR, ctx(actor=ACTOR))
    assert case.state == "recognized"


def test_R8_failed_assessment_opens_a_three_month_rectification():
    case = make_case("recognized")
    acts.record_assessment(case, POLICY, CALENDAR, ctx(), outcome="fail")
    assert case.state == "rectifying"
    assert case.rectification is not None
    assert case.rectification.opened_on == ON
    # 2025-09-09 is a Tuesday, a working day: the deadline does not move (R15)
    assert case.rectification.deadline == date(2025, 9, 9)
    assert case.instalments[0].status == "withheld"


def test_R9_failed_reassessment_revokes_with_a_three_year_ban():
    case = make_case("rectifying")
    events = acts.record_rectification(case, POLICY, CALENDAR, ctx(), outcome="fail")
    assert [e.act for e in events] == ["record_rectification", "revoke"]
    assert case.state == "revoked"
    assert case.ban == Ban("rectification_failed", "provincial", ON, date(2028, 6, 9))


def test_R9_revocation_for_failed_rectification_needs_the_review():
    case = make_case("rectifying")
    with pytest.raises(InvalidAct) as info:
        acts.revoke(case, POLICY, CALENDAR, ctx(), ground="rectification_failed")
    assert info.value.field == "ground"
    assert case.state == "rectifying"


def _three_valid_complaints(verifier: str) -> Case:
    case = make_case("assessed")
    case.complaints = [
        Complaint("c-1", date(2025, 5, 1), "一", 1, True, date(2025, 5, 2)),
        Complaint("c-2", date(2025, 5, 3), "二", 1, True, date(2025, 5, 4)),
        Complaint("c-3", date(2025, 5, 5), "三", 1),
    ]
    acts.verify_complaint(case, POLICY, CALENDAR, ctx(actor=verifier), complaint_id="c-3", valid=True)
    return case


def test_R12_third_valid_complaint_suspends_automatically():
    """issue 14 #3: the system records the suspension, and names who brought it about: the verifier
    of the complaint that crossed the threshold is the suspender for R13."""
    case = make_case("assessed")
    case.complaints = [
        Complaint("c-1", date(2025, 5, 1), "一", 1, True, date(2025, 5, 2)),
        Complaint("c-2", date(2025, 5, 3), "二", 1, True, date(2025, 5, 4)),
        Complaint("c-3", date(2025, 5, 5), "三", 1),
    ]
    events = acts.verify_complaint(case, POLICY, CALENDAR, ctx(actor=SUSPENDER), complaint_id="c-3", valid=True)
    assert [(e.act, e.actor) for e in events] == [("verify_complaint", SUSPENDER), ("suspend", SYSTEM_ACTOR)]
    assert events[1].payload["brought_about_by"] == SUSPENDER
    assert case.state == "suspended"
    assert case.suspended_from == "assessed" and case.suspended_by == SUSPENDER


def test_R13_who_verified_the_complaint_that_suspended_cannot_revoke():
    """issue 14 #3: one supervisor verified the complaint that crossed the threshold, the system
    suspended, and the same supervisor revoked; now refused as four eyes, nothing changed."""
    case = _three_valid_complaints(SUSPENDER)
    version = case.version
    with pytest.raises(FourEyesViolation) as info:
        acts.revoke(case, POLICY, CALENDAR, ctx(actor=SUSPENDER), ground="complaints")
    assert info.value.rule == "R13"
    assert (case.state, case.version) == ("suspended", version)
    acts.revoke(case, POLICY, CALENDAR, ctx(actor="supervisor-other"), ground="complaints")
    assert case.state == "revoked"


def test_R12_revocation_for_misconduct_bans_for_five_years():
    case = make_case("recognized")
    acts.revoke(case, POLICY, CALENDAR, ctx(), ground="commitment_breach")
    assert case.state == "revoked"
    assert case.ban == Ban("commitment_breach", "provincial", ON, date(2030, 6, 9))
    assert case.instalments[0].status == "cancelled"


@pytest.mark.parametrize("back_to", ["recognized", "assessed", "rectifying"])
def test_R13_reinstatement_returns_to_the_state_suspended_from(back_to):
    case = make_case("suspended")
    case.suspended_from = back_to
    acts.reinstate(case, POLICY, CALENDAR, ctx())
    assert case.state == back_to
    assert case.suspended_from is None and case.suspended_by is None


def test_R13_four_eyes_the_suspender_cannot_revoke():
    case = make_case("suspended")
    with pytest.raises(FourEyesViolation) as info:
        acts.revoke(case, POLICY, CALENDAR, ctx(actor=SUSPENDER), ground="fraud")
    assert info.value.rule == "R13"
    assert case.state == "suspended"


def test_R13_after_an_automatic_suspension_no_person_brought_about_any_supervisor_may_revoke():
    """A suspension recorded before issue 14 named no one who brought it about: the system's."""
    case = make_case("suspended")
    case.suspended_by = SYSTEM_ACTOR
    acts.revoke(case, POLICY, CALENDAR, ctx(), ground="complaints")
    assert case.state == "revoked"


# --- who and when (R16, R17) --------------------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "   "])
def test_R17_an_act_without_a_reason_is_invalid(reason):
    case = make_case("applied")
    with pytest.raises(InvalidAct) as info:
        acts.inspect(case, POLICY, CALENDAR, ctx(reason=reason), outcome="pass")
    assert info.value.field == "reason"
    assert case.state == "applied" and case.version == 7


def test_R17_an_act_without_an_actor_is_invalid():
    case = make_case("applied")
    with pytest.raises(InvalidAct) as info:
        acts.inspect(case, POLICY, CALENDAR, ctx(actor=" "), outcome="pass")
    assert info.value.field == "actor"


def test_R17_a_business_date_after_today_is_refused():
    case = make_case("applied")
    with pytest.raises(FutureDate):
        acts.inspect(case, POLICY, CALENDAR, ctx(on=NOW.date() + timedelta(days=1)), outcome="pass")
    assert case.state == "applied"


def test_R16_today_is_the_date_in_shanghai_not_in_utc():
    # 2025-06-09 17:00 UTC is already 2025-06-10 01:00 in Asia/Shanghai
    now = datetime(2025, 6, 9, 17, 0, tzinfo=UTC)
    case = make_case("applied")
    acts.inspect(case, POLICY, CALENDAR, ctx(on=date(2025, 6, 10), now=now), outcome="pass")
    assert case.state == "inspected"
    with pytest.raises(FutureDate):
        acts.approve(case, POLICY, CALENDAR, ctx(on=date(2025, 6, 11), now=now))


def test_R17_a_date_before_the_last_act_is_out_of_order():
    case = make_case("applied")
    with pytest.raises(DateOutOfOrder):
        acts.inspect(case, POLICY, CALENDAR, ctx(on=LAST_ON - timedelta(days=1)), outcome="pass")
    assert case.state == "applied"
    acts.inspect(case, POLICY, CALENDAR, ctx(on=LAST_ON), outcome="pass")  # the same day is in order
    assert case.state == "inspected"
