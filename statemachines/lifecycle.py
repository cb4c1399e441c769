"""The lifecycle of a recognition case: the acts' declared moves (catalogue.py) as one machine.

One machine serves every case: building a machine per request costs ~0.3–0.9 ms, and no case
is ever attached to it for longer than one event (see run_transition). Conditions read the
event being applied (send_event=True) and the policy it was decided under, so replay takes the
same path the act took.
"""
from __future__ import annotations

import functools
from typing import Any

from transitions import EventData, Machine, MachineError

from statemachines import catalogue
from statemachines.errors import IllegalTransition
from statemachines.states import IN_FORCE, OPEN_STATES, STATE_NAMES_EN, STATE_NAMES_ZH, STATES

__all__ = ["IN_FORCE", "OPEN_STATES", "STATE_NAMES_EN", "STATE_NAMES_ZH", "STATES", "TRANSITIONS", "MACHINE",
           "USER_ACTS", "SYSTEM_ACTS", "ALL_ACTS", "acts_from", "run_transition"]

TRANSITIONS: list[dict[str, Any]] = catalogue.transitions()
# Acts a person records on a case; the others are fired by the system (timers and cascades).
USER_ACTS = tuple(a.name for a in catalogue.CASE_ACTS)
SYSTEM_ACTS = tuple(a.name for a in catalogue.ACTS if not a.by_person)

MACHINE = Machine(
    model=None,
    states=list(STATES),
    transitions=TRANSITIONS,
    initial=None,
    auto_transitions=False,
    send_event=True,
    ignore_invalid_triggers=False,
)

ALL_ACTS = tuple(dict.fromkeys(t["trigger"] for t in TRANSITIONS))


def acts_from(state: str) -> list[str]:
    """The acts the table allows from a state, before any rule looks at the case."""
    return list(_acts_from(state))


@functools.cache
def _acts_from(state: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t["trigger"] for t in TRANSITIONS if _sources(t, state)))


def _sources(row: dict[str, Any], state: str) -> bool:
    source = row["source"]
    return state == source if isinstance(source, str) else state in source


def plain_moves(table: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(state, act) -> dest for the moves the table makes without asking anything: a single row
    for that state and act, with no condition. Every other (state, act) still goes through the
    machine, which decides the conditional moves and refuses the illegal ones. The machine has no
    callbacks at all (none are declared), so taking a plain move here skips nothing."""
    rows: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in table:
        for state in (row["source"],) if isinstance(row["source"], str) else row["source"]:
            rows.setdefault((state, row["trigger"]), []).append(row)
    return {key: key[0] if row["dest"] == "=" else row["dest"]
            for key, (row, *more) in rows.items() if not more and not row.get("conditions") and not row.get("unless")}


Guard = tuple[Any, bool]  # a condition and what it must return for its row to be taken (unless: False)


def guarded_moves(table: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[tuple[str, tuple[Guard, ...]], ...]]:
    """(state, act) -> its rows in table order, each (dest, guards), for the moves the table makes
    by asking conditions: the machine takes the first row whose `conditions` all return True and
    whose `unless` all return False, each called with the trigger's EventData (send_event=True),
    and refuses the act when none does. Rows whose guards name a model method (a string) are left
    to the machine, as are all moves of a (state, act) that has one."""
    rows: dict[tuple[str, str], list[tuple[str, tuple[Guard, ...]]]] = {}
    skip = set()
    for row in table:
        guards = tuple((func, target) for key, target in (("conditions", True), ("unless", False))
                       for func in _listed(row.get(key)))
        for state in (row["source"],) if isinstance(row["source"], str) else row["source"]:
            if any(not callable(func) for func, _ in guards):
                skip.add((state, row["trigger"]))
            rows.setdefault((state, row["trigger"]), []).append((state if row["dest"] == "=" else row["dest"], guards))
    return {key: tuple(moves) for key, moves in rows.items()
            if key not in skip and any(guards for _, guards in moves)}


def _listed(guards: Any) -> list[Any]:
    return [] if guards is None else list(guards) if isinstance(guards, list | tuple) else [guards]


# a trigger through `transitions` costs ~27 µs; a replay asks once per event (two of a short case's five
# are guarded: inspect, approve, bench b7)
_PLAIN_MOVES = plain_moves(TRANSITIONS)
_GUARDED_MOVES = guarded_moves(TRANSITIONS)


def run_transition(model: Any, act: str, allowed: list[str], **kwargs: Any) -> None:
    """Applies one act to a model through the shared machine; refuses what the table refuses."""
    dest = _PLAIN_MOVES.get((model.state, act))
    if dest is not None:
        model.state = dest
        return
    guarded = _GUARDED_MOVES.get((model.state, act))
    if guarded is not None:
        # the machine's own evaluation (transitions.core.Condition.check: `returned == target`), without
        # its trigger's bookkeeping; the machine declares no callbacks that would run besides
        data = EventData(MACHINE.states[model.state], MACHINE.events[act], MACHINE, model, (), kwargs)
        for dest, guards in guarded:
            if all(func(data) == target for func, target in guards):
                model.state = dest
                return
        raise IllegalTransition(act, model.state, allowed)
    if act not in ALL_ACTS:
        raise IllegalTransition(act, model.state, allowed)
    # The event is triggered on the model directly rather than through add_model/remove_model:
    # transitions never unbinds a removed model's trigger methods, so re-adding the same case
    # (every event of a replay) logs a warning per trigger and costs ~2 ms; this costs neither.
    try:
        done = MACHINE.events[act].trigger(model, **kwargs)
    except MachineError:
        raise IllegalTransition(act, model.state, allowed) from None
    if not done:
        raise IllegalTransition(act, model.state, allowed)
