"""Applying one event to a case: the machine moves the state, then the act's effects follow.

This is the only place a case changes, for a new act and for a replay alike. It does no
checking of business rules (those ran when the act was decided); the machine still refuses a
transition the table does not have, so a replay of a tampered history fails loudly.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from statemachines.case import (
    Assessment,
    Ban,
    Case,
    Clawback,
    Complaint,
    Instalment,
    Notice,
    Objection,
    Period,
    Rectification,
)
from statemachines.events import Event
from statemachines.lifecycle import acts_from, run_transition
from statemachines.policy import Policy
from statemachines.programmes import DEFAULT_PROGRAMME

Effect = Callable[[Case, Event, Policy, str], None]


def start_case(event: Event) -> Case:
    """The 'apply' event holds everything that identifies the case."""
    p = event.payload
    return Case(
        id=event.case_id,
        base_id=p["base_id"],
        base_name=p["base_name"],
        operator_code=p["operator_code"],
        level=p["level"],
        jurisdiction=p["jurisdiction"],
        policy_id=event.policy_id,
        policy_version=event.policy_version,
        applied_on=event.on,
        opened_by=event.actor,
        window_exception=p.get("window_exception"),
        round_year=p.get("round"),
        programme=p.get("programme", DEFAULT_PROGRAMME),
        reference=p.get("reference"),
        hash_algorithm=event.hash_algorithm,
    )


def apply_event(case: Case | None, event: Event, policy: Policy) -> Case:
    if event.act == "apply":
        case = start_case(event)
    else:
        assert case is not None, "the first event of a case is 'apply'"
        before = case.state
        run_transition(case, event.act, acts_from(before), event=event, policy=policy)
        EFFECTS[event.act](case, event, policy, before)
    case.version = event.seq
    case.head_hash = event.hash
    case.last_on = event.on
    case.last_act = event.act
    return case


# --- the effects of each act ---------------------------------------------------------------

def _period(data: dict[str, Any]) -> Period:
    return Period(data["number"], date.fromisoformat(data["start"]), date.fromisoformat(data["end"]))


def _withhold(case: Case) -> None:
    for inst in case.instalments:
        if inst.status in ("scheduled", "due"):
            inst.status = "withheld"


def _release(case: Case, on: date) -> None:
    for inst in case.instalments:
        if inst.status == "withheld":
            inst.status = "due" if inst.due_on <= on else "scheduled"


def _cancel_unpaid(case: Case) -> None:
    for inst in case.instalments:
        if inst.status != "paid":
            inst.status = "cancelled"


def _inspect(case: Case, e: Event, policy: Policy, before: str) -> None:
    if e.payload["outcome"] == "pass":
        case.inspected_by = e.actor
        case.inspectors = list(e.payload.get("inspectors", []))
    else:
        case.end_reason = "inspection_failed"


def _approve(case: Case, e: Event, policy: Policy, before: str) -> None:
    if "tier" in e.payload:
        case.tier = e.payload["tier"]["name"]
    if "notice" in e.payload:  # R22: the recognition waits for the public notice's end
        n = e.payload["notice"]
        case.notice = Notice(n["number"], e.on, date.fromisoformat(n["first_day"]),
                             date.fromisoformat(n["last_day"]), n["provisional"])
        return
    _recognize(case, e.payload, e.on)


def _recognize(case: Case, payload: Mapping[str, Any], on: date) -> None:
    """The recognition dated `on`, its first period and instalments, as the approval or the notice's end
    decided them."""
    case.recognized_on = on
    case.period = _period(payload["period"])
    case.instalments = [
        Instalment(i["number"], date.fromisoformat(i["due_on"]), i["amount_fen"])
        for i in payload.get("instalments", [])
    ]


def _earned(case: Case, e: Event) -> None:
    """R20: the instalment a passing assessment earned, as its event decided it (none past the cap)."""
    i = e.payload.get("instalment")
    if i is not None and i["number"] is not None:
        case.instalments.append(Instalment(i["number"], date.fromisoformat(i["due_on"]), i["amount_fen"],
                                           grade=i["grade"]))


def _objection(case: Case, e: Event, policy: Policy, before: str) -> None:
    p = e.payload
    case.objections.append(Objection(p["objection_id"], p["notice"], e.on, p["summary"]))


def _decide_objection(case: Case, e: Event, policy: Policy, before: str) -> None:
    objection = case.objection(e.payload["objection_id"])
    assert objection is not None and case.notice is not None
    objection.decision, objection.decided_on = e.payload["decision"], e.on
    if e.payload["decision"] == "uphold":
        # the case goes back for a new decision; the notice's other open objections go with it
        for other in case.open_objections():
            other.decision, other.decided_on = "superseded", e.on
        case.notice.outcome = "objection_upheld"


def _end_notice(case: Case, e: Event, policy: Policy, before: str) -> None:
    assert case.notice is not None
    case.notice.ended_on, case.notice.outcome = e.on, "recognized"
    # R22: recognised as of the notice's end (its last day, or the day its last objection was dismissed)
    _recognize(case, e.payload, date.fromisoformat(e.payload["period"]["start"]))


def _reschedule_notice(case: Case, e: Event, policy: Policy, before: str) -> None:
    assert case.notice is not None
    case.notice.first_day = date.fromisoformat(e.payload["first_day"])
    case.notice.last_day = date.fromisoformat(e.payload["last_day"])
    case.notice.provisional = e.payload["provisional"]


def _reject(case: Case, e: Event, policy: Policy, before: str) -> None:
    case.end_reason = "rejected"


def _withdraw(case: Case, e: Event, policy: Policy, before: str) -> None:
    case.end_reason = "withdrawn"
    _cancel_unpaid(case)


def _report(case: Case, e: Event, policy: Policy, before: str) -> None:
    year = e.payload["year"]
    case.reports[year] = e.on
    case.lower_flag(f"annual_report_overdue:{year}")


def _flag(template: str) -> Effect:
    def effect(case: Case, e: Event, policy: Policy, before: str) -> None:
        case.raise_flag(template.format(**e.payload))
    return effect


def _assessment(case: Case, e: Event, policy: Policy, before: str) -> None:
    p = e.payload
    case.assessments.append(Assessment(p["period"], p["index"], e.on, p["outcome"], p["grade"], True))
    case.lower_flag(f"assessment_overdue:{p['period']}.{p['index']}")
    if p["outcome"] == "pass":
        case.consecutive_fails = 0
        _earned(case, e)
        return
    case.consecutive_fails += 1
    if case.state == "rectifying":
        r = p["rectification"]
        case.rectification = Rectification(
            p["period"], p["index"], e.on, date.fromisoformat(r["deadline"]), r["provisional"]
        )
        _withhold(case)


def _rectification(case: Case, e: Event, policy: Policy, before: str) -> None:
    r = case.rectification
    assert r is not None
    case.assessments.append(Assessment(r.period, r.index, e.on, e.payload["outcome"], e.payload["grade"], False))
    if e.payload["outcome"] == "pass":
        case.consecutive_fails = 0
        case.rectification = None
        case.lower_flag("rectification_review_due")
        _release(case, e.on)
        _earned(case, e)


def _reschedule(case: Case, e: Event, policy: Policy, before: str) -> None:
    assert case.rectification is not None
    case.rectification.deadline = date.fromisoformat(e.payload["deadline"])
    case.rectification.provisional = e.payload["provisional"]


def _new_period(case: Case, e: Event, policy: Policy, before: str) -> None:
    if "period" in e.payload:
        case.period = _period(e.payload["period"])
        case.lower_flag("reevaluation_review_due")
    else:
        case.end_reason = "lapsed"
        _cancel_unpaid(case)


def _lapse(case: Case, e: Event, policy: Policy, before: str) -> None:
    case.end_reason = "lapsed"
    case.lower_flag("reevaluation_review_due")
    _cancel_unpaid(case)


def _instalment_due(case: Case, e: Event, policy: Policy, before: str) -> None:
    _instalment(case, e.payload["number"]).status = "due"


def _payment(case: Case, e: Event, policy: Policy, before: str) -> None:
    inst = _instalment(case, e.payload["number"])
    inst.paid_fen += e.payload["amount_fen"]
    if inst.paid_fen >= inst.amount_fen:  # a part payment leaves it due (R20)
        inst.status, inst.paid_on = "paid", e.on


def _repayment(case: Case, e: Event, policy: Policy, before: str) -> None:
    claw = case.clawback
    assert claw is not None
    claw.repaid_fen += e.payload["amount_fen"]
    if claw.outstanding_fen <= 0:
        claw.repaid_on = e.on
        case.lower_flag("clawback_overdue")


def _instalment(case: Case, number: int) -> Instalment:
    return next(i for i in case.instalments if i.number == number)


def _complaint(case: Case, e: Event, policy: Policy, before: str) -> None:
    number = case.period.number if case.period else 0
    case.complaints.append(Complaint(e.payload["complaint_id"], e.on, e.payload["summary"], number))


def _verify(case: Case, e: Event, policy: Policy, before: str) -> None:
    complaint = case.complaint(e.payload["complaint_id"])
    assert complaint is not None
    complaint.valid, complaint.verified_on = e.payload["valid"], e.on


def _suspend(case: Case, e: Event, policy: Policy, before: str) -> None:
    # an automatic suspension names the person who brought it about (R13); one recorded before
    # it did stays the system's
    case.suspended_from, case.suspended_by = before, e.payload.get("brought_about_by") or e.actor
    case.suspension_ground = e.payload["ground"]
    _withhold(case)


def _reinstate(case: Case, e: Event, policy: Policy, before: str) -> None:
    case.suspended_from = case.suspended_by = case.suspension_ground = None
    if case.state != "rectifying":
        _release(case, e.on)


def _revoke(case: Case, e: Event, policy: Policy, before: str) -> None:
    b = e.payload["ban"]  # None where the policy sets no ban for the ground
    case.revocation_ground = e.payload["ground"]
    case.ban = None if b is None else Ban(e.payload["ground"], b["level"], date.fromisoformat(b["first_day"]),
                                          None if b["last_day"] is None else date.fromisoformat(b["last_day"]))
    case.rectification = None
    case.end_reason = f"revoked:{e.payload['ground']}"
    _cancel_unpaid(case)
    owed = e.payload.get("clawback")
    if owed is not None and owed["owed_fen"] > 0:  # R20: what was paid is owed back
        case.clawback = Clawback(e.payload["ground"], e.on, owed["owed_fen"])


def _end_ban(case: Case, e: Event, policy: Policy, before: str) -> None:
    assert case.ban is not None
    case.ban.ended_on = e.on


EFFECTS: dict[str, Effect] = {
    "inspect": _inspect,
    "approve": _approve,
    "reject": _reject,
    "withdraw": _withdraw,
    "submit_annual_report": _report,
    "flag_overdue_report": _flag("annual_report_overdue:{year}"),
    "record_assessment": _assessment,
    "flag_overdue_assessment": _flag("assessment_overdue:{period}.{index}"),
    "record_missed_assessment": _assessment,  # R21: a miss the system records counts as a failed assessment
    "record_rectification": _rectification,
    "open_rectification_review": _flag("rectification_review_due"),
    "reschedule_rectification": _reschedule,
    "extend": _new_period,
    "open_reevaluation_review": _flag("reevaluation_review_due"),
    "reevaluate": _new_period,
    "lapse": _lapse,
    "instalment_due": _instalment_due,
    "record_payment": _payment,
    "record_repayment": _repayment,
    "flag_overdue_clawback": _flag("clawback_overdue"),
    "record_complaint": _complaint,
    "verify_complaint": _verify,
    "suspend": _suspend,
    "reinstate": _reinstate,
    "revoke": _revoke,
    "end_ban": _end_ban,
    "record_objection": _objection,
    "decide_objection": _decide_objection,
    "end_public_notice": _end_notice,
    "reschedule_public_notice": _reschedule_notice,
}

