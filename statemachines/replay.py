"""Replay: a case folded from nothing through the machine, under each event's own policy."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from statemachines.case import Case
from statemachines.events import Event
from statemachines.fold import apply_event
from statemachines.policy import Policy

PolicyLookup = Callable[[str, int], Policy]


def replay(events: Iterable[Event], policy_of: PolicyLookup) -> Case | None:
    case: Case | None = None
    for event in events:
        case = apply_event(case, event, policy_of(event.policy_id, event.policy_version))
    return case
