"""A case's dossier for auditors: its record, its timers and reminders, and its verification; and the
display names of the users it names (`people`), so that a workbook made of it says 王芳, not a username."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from services import audit
from services.runtime import Runtime
from services.timer_queries import reminders_of
from services.users import User
from statemachines.events import Event
from statemachines.lifecycle import STATE_NAMES_ZH
from statemachines.timers import timers_for


def dossier(rt: Runtime, case_id: str, user: User | None = None) -> dict[str, Any]:
    report = audit.verify_case(rt, case_id, user)
    with rt.reads() as uow:
        case = uow.cases.get(case_id)
        events = uow.cases.events(case_id)
        fired = uow.timers.fired(case_id)
        people = {u.username: u.display_name for u in uow.users.all()}
    reminders = reminders_of(rt, case_id)
    named = _usernames(events, reminders)
    policy = rt.policies.get(case.policy_id, case.policy_version)
    return {
        "generated_at": rt.clock().isoformat(),
        "as_of": rt.today().isoformat(),
        "case": {
            "id": case.id, "reference": case.reference, "base": case.base_name,
            "operator_code": case.operator_code, "level": case.level,
            "jurisdiction": case.jurisdiction, "state": case.state, "state_name": STATE_NAMES_ZH[case.state],
            "version": case.version, "policy": f"{policy.id} v{policy.version}", "policy_title": policy.title,
            "period": None if case.period is None else
            {"number": case.period.number, "start": case.period.start.isoformat(), "end": case.period.end.isoformat()},
            "flags": list(case.flags), "head_hash": case.head_hash,
        },
        "events": [
            {"seq": e.seq, "act": e.act, "on": e.on.isoformat(), "recorded_at": e.recorded_at.isoformat(),
             "actor": e.actor, "reason": e.reason, "rule": e.rule, "policy_version": e.policy_version,
             "payload": dict(e.payload), "prev_hash": e.prev_hash, "hash": e.hash, "canonical": e.canonical}
            for e in events
        ],
        "timers": [
            *({"kind": t.kind, "key": t.key, "due_on": t.due_on.isoformat(), "provisional": t.provisional,
               "status": "pending"} for t in timers_for(case, policy, rt.calendar)),
            *({**t, "status": "fired"} for t in fired),
        ],
        "reminders": [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items() if k != "body"}
            for r in reminders
        ],
        "people": {u: people[u] for u in sorted(named) if u in people},
        "verification": {"ok": report.ok, "events": report.events,
                         "violations": [asdict(v) for v in report.violations]},
    }


def _usernames(events: list[Event], reminders: list[dict[str, Any]]) -> set[str]:
    """Who the record names: the acts' actors, the inspectors, the users reminded."""
    named = {e.actor for e in events}
    for e in events:
        named.update(u for u in e.payload.get("inspectors") or () if isinstance(u, str))
    named.update(r["recipient"].removeprefix("user:") for r in reminders if r["recipient"].startswith("user:"))
    return named
