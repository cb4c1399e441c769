"""Replay: a case folded from nothing through the machine, under each event's own policy.

Corrections (R17) are events of their own (`correct`, naming the seq they correct and why);
replay applies each to the event it corrects, so the original stays in the history as recorded
while the state follows the corrected record.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any

from statemachines.case import Case
from statemachines.events import Event
from statemachines.fold import apply_event
from statemachines.policy import Policy

PolicyLookup = Callable[[str, int], Policy]
# what a correction may change: never the act itself, only how it was recorded
CORRECTABLE = ("on", "reason", "payload")


def amended(event: Event, corrections: Mapping[int, Mapping[str, Any]]) -> Event:
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


def malformed(payload: Any, seq: int | None = None) -> str:
    """Why a correction's payload cannot be applied, or "" when it can: it names an earlier seq and
    changes `on` (a date), `reason` (a text) or `payload` (an object) of it. Replay leaves a malformed
    one out, so a record that holds one still replays; `audit verify` names it."""
    if not isinstance(payload, Mapping):
        return "its payload is not an object"
    corrects, changes = payload.get("corrects"), payload.get("changes")
    if type(corrects) is not int or corrects < 1 or (seq is not None and corrects >= seq):
        return f"it corrects {corrects!r}, not the seq of an earlier event"
    if not isinstance(changes, Mapping) or not changes or set(changes) - set(CORRECTABLE):
        return f"its changes {changes!r} are not some of {', '.join(CORRECTABLE)}"
    on = changes.get("on")
    if on is not None and not is_iso_date(on):
        return f"its date {on!r} is not a date"
    if "reason" in changes and not isinstance(changes["reason"], str):
        return "its reason is not a text"
    if "payload" in changes and not isinstance(changes["payload"], Mapping):
        return "its payload change is not an object"
    return ""


def is_iso_date(value: Any) -> bool:
    """Whether the value is a date as the events write it (YYYY-MM-DD)."""
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def corrections_in(events: Iterable[Event]) -> dict[int, dict[str, Any]]:
    """The changes each corrected seq has had, merged in order (the well-formed corrections only)."""
    merged: dict[int, dict[str, Any]] = {}
    for e in events:
        if e.act == "correct" and not malformed(e.payload, e.seq):
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
    corrected = {e.seq: e for e in events if e.seq in corrections} if corrections else {}
    case: Case | None = None
    policy: Policy | None = None
    key = None
    for event in events:
        if event.act == "correct":
            assert case is not None, "a correction follows the event it corrects"
            apply_correction(case, event, corrected.get(event.payload.get("corrects", 0)))
        else:
            if policy is None or key != (event.policy_id, event.policy_version):  # one lookup per run of a version
                key = (event.policy_id, event.policy_version)
                policy = policy_of(*key)
            case = apply_event(case, amended(event, corrections) if corrections else event, policy)
        yield case


def apply_correction(case: Case, correction: Event, target: Event | None) -> None:
    """A correction moves the case's head; whoever corrects an inspection takes part in it from then
    on, so the same person cannot both decide the inspection's result and approve on it (R5)."""
    case.version, case.head_hash = correction.seq, correction.hash
    if target is not None and target.act == "inspect" and not malformed(correction.payload, correction.seq) \
            and correction.actor not in case.inspectors:
        case.inspectors.append(correction.actor)


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


