"""Replay: a case folded from nothing through the machine, under each event's own policy.

Corrections (R17) are events of their own (`correct`, naming the seq they correct and why);
replay applies each to the event it corrects, so the original stays in the history as recorded
while the state follows the corrected record.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any

from statemachines.case import Case
from statemachines.events import Event
from statemachines.fold import apply_event
from statemachines.policy import Policy

PolicyLookup = Callable[[str, int], Policy]
# what a correction may change: never the act itself, only how it was recorded
CORRECTABLE = ("on", "reason", "payload")


def amended(event: Event, corrections: dict[int, dict[str, Any]]) -> Event:
    """The event as its later corrections (R17) say it should have been recorded."""
    changes = corrections.get(event.seq)
    if not changes:
        return event
    values = dict(event.__dict__)
    if "on" in changes:
        values["on"] = date.fromisoformat(changes["on"])
    if "reason" in changes:
        values["reason"] = changes["reason"]
    if "payload" in changes:
        values["payload"] = {**event.payload, **changes["payload"]}
    return Event(**values)


def corrections_in(events: Iterable[Event]) -> dict[int, dict[str, Any]]:
    merged: dict[int, dict[str, Any]] = {}
    for e in events:
        if e.act == "correct":
            target = merged.setdefault(e.payload["corrects"], {})
            changes = e.payload["changes"]
            target.update({k: v for k, v in changes.items() if k != "payload"})
            if "payload" in changes:
                target["payload"] = {**target.get("payload", {}), **changes["payload"]}
    return merged


def folds(events: list[Event], policy_of: PolicyLookup,
          corrections: dict[int, dict[str, Any]] | None = None) -> Iterator[Case]:
    """The case after each event, folded from nothing, corrections applied to the events they
    correct. The same case object each time, changed in place: read it before asking for the next.

    `corrections` defaults to those among `events`; as_of passes the ones known at the moment
    asked about, which may include corrections made after the business day asked about.
    """
    corrections = corrections_in(events) if corrections is None else corrections
    case: Case | None = None
    policy: Policy | None = None
    key = None
    for event in events:
        if event.act == "correct":
            assert case is not None, "a correction follows the event it corrects"
            case.version, case.head_hash = event.seq, event.hash
        else:
            if policy is None or key != (event.policy_id, event.policy_version):  # one lookup per run of a version
                key = (event.policy_id, event.policy_version)
                policy = policy_of(*key)
            case = apply_event(case, amended(event, corrections) if corrections else event, policy)
        yield case


def replay(events: list[Event], policy_of: PolicyLookup,
           corrections: dict[int, dict[str, Any]] | None = None) -> Case | None:
    """Replay: the case folded from nothing (None for no events), corrections applied."""
    last = deque(folds(events, policy_of, corrections), maxlen=1)
    return last[0] if last else None


def as_of(events: list[Event], policy_of: PolicyLookup, *, day: date | None = None,
          recorded: datetime | None = None) -> Case | None:
    """The case as it stood on a business date, or as the system knew it at a moment."""
    known = [e for e in events if e.recorded_at <= recorded] if recorded is not None else events
    # what the record says happened (corrections included, whenever they were made) ...
    corrections = corrections_in(known)
    if day is not None:
        # ... by the day asked about (a correction event itself counts from its own day on)
        known = [e for e in known if amended(e, corrections).on <= day]
    return replay(known, policy_of, corrections)


