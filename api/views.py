"""How a case, its events and a policy look in the JSON API."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from api.schemas import EventOut, PolicySummaryOut
from services.authz import permitted_acts
from services.runtime import Runtime
from services.users import User
from statemachines.case import Case
from statemachines.events import Event
from statemachines.lifecycle import STATE_NAMES_ZH
from statemachines.policy import Policy
from statemachines.reminders import steps
from statemachines.timers import Timer, timers_for


def case_view(rt: Runtime, case: Case, user: User, timers: Sequence[Timer] | None = None) -> dict[str, Any]:
    """The case as the API shows it; `timers`: those an act just computed and wrote, else derived."""
    policy = rt.policies.get(case.policy_id, case.policy_version)
    period = case.period
    owed = timers_for(case, policy, rt.calendar) if timers is None else timers
    timers = sorted(owed, key=lambda t: (t.due_on, t.kind, t.key))
    today = rt.today()
    return {
        "id": case.id,
        "state": case.state,
        "state_name": STATE_NAMES_ZH[case.state],
        "version": case.version,
        "level": case.level,
        "jurisdiction": case.jurisdiction,
        "programme": case.programme,
        "reference": case.reference,
        "base": {"id": case.base_id, "name": case.base_name},
        "operator": {"credit_code": case.operator_code},
        "policy": {"id": case.policy_id, "version": case.policy_version},
        "applied_on": case.applied_on.isoformat(),
        "last_on": case.last_on.isoformat() if case.last_on else None,
        "period": {"number": period.number, "start": period.start.isoformat(), "end": period.end.isoformat()}
        if period else None,
        "allowed_actions": permitted_acts(user, case, policy, today),
        "timers": [
            {"kind": t.kind, "key": t.key, "due_on": t.due_on.isoformat(), "provisional": t.provisional}
            for t in timers
        ],
        # the reminder steps still ahead, from the policy's offsets (R7–R11 timers)
        "upcoming_reminders": [
            {"kind": t.kind, "key": t.key, "due_on": t.due_on.isoformat(), "step": s.name,
             "send_on": s.send_on.isoformat()}
            for t in timers for s in steps(t, policy) if s.send_on >= today
        ],
        "flags": list(case.flags),
        "ban": None if case.ban is None else {
            "ground": case.ban.ground, "level": case.ban.level, "first_day": case.ban.first_day.isoformat(),
            "last_day": case.ban.last_day.isoformat() if case.ban.last_day else None,
            "ended_on": case.ban.ended_on.isoformat() if case.ban.ended_on else None},
        "complaints": [
            {"id": c.id, "received_on": c.received_on.isoformat(), "summary": c.summary, "valid": c.valid,
             "verified_on": c.verified_on.isoformat() if c.verified_on else None}
            for c in case.complaints
        ],
        "instalments": [
            {"number": i.number, "due_on": i.due_on.isoformat(), "amount_fen": i.amount_fen, "status": i.status,
             "paid_on": i.paid_on.isoformat() if i.paid_on else None, "paid_fen": i.paid_fen,
             "outstanding_fen": 0 if i.status == "cancelled" else i.outstanding_fen, "grade": i.grade}
            for i in case.instalments
        ],
        "subsidy_tier": case.tier,
        "clawback": _clawback_view(case, timers),
        "notice": notice_view(case),
        "objections": [
            {"id": o.id, "notice": o.notice, "received_on": o.received_on.isoformat(), "summary": o.summary,
             "decision": o.decision, "decided_on": o.decided_on.isoformat() if o.decided_on else None}
            for o in case.objections
        ],
    }


def _clawback_view(case: Case, timers: Sequence[Timer]) -> dict[str, Any] | None:
    """R20: what a revocation made owed back, what is repaid and outstanding, by when, and if late."""
    claw = case.clawback
    if claw is None:
        return None
    due = next((t.due_on for t in timers if t.kind == "clawback"), None)
    return {"ground": claw.ground, "since": claw.since.isoformat(), "owed_fen": claw.owed_fen,
            "repaid_fen": claw.repaid_fen, "outstanding_fen": claw.outstanding_fen,
            "repaid_on": claw.repaid_on.isoformat() if claw.repaid_on else None,
            "due_on": due.isoformat() if due else None, "overdue": case.has_flag("clawback_overdue")}


def notice_view(case: Case) -> dict[str, Any] | None:
    """R22: the case's latest public notice; `running` while the case is publicized."""
    n = case.notice
    if n is None:
        return None
    return {"number": n.number, "approved_on": n.approved_on.isoformat(), "first_day": n.first_day.isoformat(),
            "last_day": n.last_day.isoformat(), "provisional": n.provisional, "running": case.state == "publicized",
            "ended_on": n.ended_on.isoformat() if n.ended_on else None, "outcome": n.outcome}


def event_view(e: Event) -> dict[str, Any]:
    return EventOut.of(e).model_dump(mode="json")


def ban_view(ban, user: User) -> dict[str, Any]:
    # the ban itself is the operator's to know; which case it came from only within one's jurisdictions
    visible = user.works_on(ban.jurisdiction) if ban.jurisdiction else False
    return {"case_id": ban.case_id if visible else None, "ground": ban.ground, "level": ban.level,
            "first_day": ban.first_day.isoformat(),
            "last_day": ban.last_day.isoformat() if ban.last_day else None,
            "eligible_from": (ban.last_day + timedelta(days=1)).isoformat() if ban.last_day else None}


def policy_summary(p: Policy, today: date) -> dict[str, Any]:
    return PolicySummaryOut.of(p, today).model_dump(mode="json")


def policy_detail(p: Policy, today: date) -> dict[str, Any]:
    return {
        **policy_summary(p, today),
        "sources": [{"id": s.id, "title": s.title, "number": s.number, "issuer": s.issuer,
                     "issued": s.issued.isoformat() if s.issued else None, "url": s.url} for s in p.sources],
        "parameters": {
            "application_window": [str(md) for md in p.application_window] if p.application_window else None,
            "recognition_period": str(p.recognition_period),
            "annual_report_due": str(p.annual_report_due) if p.annual_report_due else None,
            "annual_report_year": p.annual_report_year if p.annual_report_due else None,
            "assessment_schedule": p.assessment_schedule,
            "assessment_first_after": str(p.assessment_first) if p.assessment_first else None,
            "assessment_every": str(p.assessment_every) if p.assessment_every else None,
            "assessment_campaign": None if p.campaign is None else {
                "eligible_after": str(p.campaign.eligible_after) if p.campaign.eligible_after else "0d",
                "cutoff": str(p.campaign.cutoff), "results_due": str(p.campaign.results_due),
                "results_year": p.campaign.results_year, "opens": str(p.campaign.opens)},
            "assessment_opens_before": str(p.assessment_opens_before) if p.assessment_opens_before else None,
            "pass_grades": list(p.pass_grades),
            "fail_grades": list(p.fail_grades),
            "missed_grade": p.missed_grade,
            "missed_assessment": p.missed_assessment,
            "revoke_after_consecutive_fails": p.revoke_after_consecutive_fails,
            "rectification_period": str(p.rectification_period) if p.rectification_period else None,
            "auto_extend": p.auto_extend,
            "bans": {ground: str(d) if d is not None else "none" for ground, d in p.bans.items()},
            "ban_scope": p.ban_scope,
            "complaint_threshold": p.complaint_threshold,
            "complaint_window": p.complaint_window,
            "subsidy_total_fen": p.subsidy_total_fen,
            "instalments": [{"after": str(i.after) if i.after else "0d", "amount_fen": i.amount_fen}
                            for i in p.instalments],
            "subsidy_per_grade": dict(p.subsidy_per_grade),
            "subsidy_cap_fen": p.subsidy_cap_fen,
            "subsidy_tiers": [{"name": t.name, "amount_fen": t.amount_fen, "criterion": t.criterion}
                              for t in p.subsidy_tiers],
            "partial_payments": p.partial_payments,
            "clawback_grounds": list(p.clawback_grounds),
            "clawback_within": str(p.clawback_within) if p.clawback_within else None,
            "reminder_offsets_days": list(p.reminder_offsets),
            "prerequisite": None if p.prerequisite_level is None else {
                "level": p.prerequisite_level, "programme": p.prerequisite_programme, "proof": p.prerequisite_proof},
            "subsidy_not_combined_with": list(p.subsidy_not_combined_with),
            "public_notice_period": str(p.public_notice_period) if p.public_notice_period else None,
        },
        "clauses": {name: {"rule": c.rule, "text": c.text, "default": c.default, "ours": list(c.ours)}
                    for name, c in p.clauses.items()},
    }
