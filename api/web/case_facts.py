"""What the case page and the audit replay show beside the case's state (issue 15): the operator and
base as their applications gave them, the inspection with who took part, each person by name."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from services import users
from services.queries import party_of
from services.runtime import Runtime
from statemachines.case import Case
from statemachines.events import Event


@dataclass(frozen=True)
class Inspection:
    """The latest on-site inspection (R4) as its event recorded it."""

    on: date
    outcome: str
    inspectors: tuple[str, ...]  # usernames
    experts: tuple[str, ...]  # outside experts, by name: no users
    findings: str


def inspection_of(events: Sequence[Event]) -> Inspection | None:
    last = next((e for e in reversed(events) if e.act == "inspect"), None)
    if last is None:
        return None
    p = last.payload
    return Inspection(last.on, str(p.get("outcome", "")), tuple(p.get("inspectors") or (last.actor,)),
                      tuple(p.get("experts") or ()), str(p.get("findings") or ""))


def named_facts(rt: Runtime, case: Case, events: Sequence[Event]) -> dict[str, Any]:
    """The page's context for _case_facts.html and _timeline.html: the party, the inspection, the
    policy and the display names of everyone the events name."""
    inspection = inspection_of(events)
    named = {e.actor for e in events} | set(inspection.inspectors if inspection else ())
    return {"party": party_of(rt, case), "inspection": inspection, "recognized_on": case.recognized_on,
            "policy": rt.policies.get(case.policy_id, case.policy_version),
            "people": users.display_names(rt, named)}
