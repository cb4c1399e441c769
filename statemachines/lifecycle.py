"""The lifecycle of a recognition case as one declarative table, built once with `transitions`.

One machine serves every case: building a machine per request costs ~0.3–0.9 ms
(shared/PERF-NOTES.md), and no case is ever attached to it for longer than one event (see
run_transition). Conditions read the event being applied (send_event=True) and the policy it
was decided under, so replay takes the same path the act took.
"""
from __future__ import annotations

import functools
from typing import Any

from transitions import Machine, MachineError

from statemachines.errors import IllegalTransition

STATES = (
    "applied", "inspected", "recognized", "assessed", "rectifying",
    "suspended", "revoked", "rejected", "withdrawn", "lapsed",
)
IN_FORCE = ("recognized", "assessed", "rectifying")
OPEN_STATES = ("applied", "inspected", *IN_FORCE, "suspended")
TERMINAL = ("rejected", "withdrawn", "lapsed")
STATE_NAMES_ZH = {
    "applied": "已申报", "inspected": "已考察", "recognized": "已认定", "assessed": "考核达标",
    "rectifying": "限期整改", "suspended": "暂停", "revoked": "已撤销", "rejected": "不予认定",
    "withdrawn": "撤回", "lapsed": "期满终止",
}

# Acts a person records; the others are fired by the system (timers and cascades).
USER_ACTS = (
    "inspect", "approve", "reject", "withdraw", "submit_annual_report", "record_assessment",
    "record_rectification", "record_complaint", "verify_complaint", "suspend", "reinstate",
    "revoke", "reevaluate", "record_payment",
)
SYSTEM_ACTS = (
    "extend", "flag_overdue_report", "flag_overdue_assessment", "open_rectification_review",
    "open_reevaluation_review", "end_ban", "instalment_due", "reschedule_rectification",
)


def _passed(event: Any) -> bool:
    return event.kwargs["event"].payload.get("outcome") == "pass"


def _rectification_enabled(event: Any) -> bool:
    return event.kwargs["policy"].rectification_enabled


def _extends(event: Any) -> bool:
    return event.kwargs["event"].payload.get("decision") == "extend"


def _back_to(state: str):
    def condition(event: Any) -> bool:
        return event.kwargs["event"].payload.get("back_to") == state
    condition.__name__ = f"back_to_{state}"
    return condition


_WITH_REPORTS = [*IN_FORCE, "suspended"]

TRANSITIONS: list[dict[str, Any]] = [
    # R4
    {"trigger": "inspect", "source": "applied", "dest": "inspected", "conditions": _passed},
    {"trigger": "inspect", "source": "applied", "dest": "rejected", "unless": _passed},
    # R5
    {"trigger": "approve", "source": "inspected", "dest": "recognized"},
    {"trigger": "reject", "source": ["applied", "inspected"], "dest": "rejected"},
    {"trigger": "withdraw", "source": ["applied", "inspected", *IN_FORCE], "dest": "withdrawn"},
    # R7: a report is not a state change
    {"trigger": "submit_annual_report", "source": _WITH_REPORTS, "dest": "="},
    {"trigger": "flag_overdue_report", "source": _WITH_REPORTS, "dest": "="},
    # R8
    {"trigger": "record_assessment", "source": ["recognized", "assessed"], "dest": "assessed",
     "conditions": _passed},
    {"trigger": "record_assessment", "source": ["recognized", "assessed"], "dest": "rectifying",
     "conditions": _rectification_enabled, "unless": _passed},
    # a policy without rectification keeps a failed case in force, counting consecutive fails
    {"trigger": "record_assessment", "source": ["recognized", "assessed"], "dest": "recognized",
     "unless": [_passed, _rectification_enabled]},
    {"trigger": "flag_overdue_assessment", "source": ["recognized", "assessed"], "dest": "="},
    # R9: a failed re-assessment is followed by a revocation event
    {"trigger": "record_rectification", "source": "rectifying", "dest": "assessed", "conditions": _passed},
    {"trigger": "record_rectification", "source": "rectifying", "dest": "=", "unless": _passed},
    {"trigger": "open_rectification_review", "source": "rectifying", "dest": "="},
    # R16: a provisional deadline is recomputed when the official calendar for its year arrives
    {"trigger": "reschedule_rectification", "source": "rectifying", "dest": "="},
    # R10
    {"trigger": "extend", "source": ["recognized", "assessed"], "dest": "recognized"},
    {"trigger": "open_reevaluation_review", "source": list(IN_FORCE), "dest": "="},
    {"trigger": "reevaluate", "source": list(IN_FORCE), "dest": "recognized", "conditions": _extends},
    {"trigger": "reevaluate", "source": list(IN_FORCE), "dest": "lapsed", "unless": _extends},
    # R11
    # withheld while rectifying or suspended, so only payable from these two
    {"trigger": "instalment_due", "source": ["recognized", "assessed"], "dest": "="},
    {"trigger": "record_payment", "source": ["recognized", "assessed"], "dest": "="},
    # R12, R13
    {"trigger": "record_complaint", "source": _WITH_REPORTS, "dest": "="},
    {"trigger": "verify_complaint", "source": _WITH_REPORTS, "dest": "="},
    {"trigger": "suspend", "source": list(IN_FORCE), "dest": "suspended"},
    *[
        {"trigger": "reinstate", "source": "suspended", "dest": state, "conditions": _back_to(state)}
        for state in IN_FORCE
    ],
    # R9, R12, R14
    {"trigger": "revoke", "source": [*IN_FORCE, "suspended"], "dest": "revoked"},
    {"trigger": "end_ban", "source": "revoked", "dest": "="},
]

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
    # asked once per event of every replay: the machine's table is fixed, so ask it once per state
    return tuple(act for act in ALL_ACTS if MACHINE.get_transitions(trigger=act, source=state))


def _plain_moves() -> dict[tuple[str, str], str]:
    """(state, act) -> dest for the moves the machine makes without asking anything.

    Read from the machine's own transitions once, so the table stays the single source of truth.
    Only a move that has a single transition from its source, with no condition and no callback
    anywhere (transition, states, machine), is taken here; every other (state, act) still goes
    through the machine, which is what decides conditional moves and refuses illegal ones.
    """
    m = MACHINE
    if m.has_queue or any((m.prepare_event, m.before_state_change, m.after_state_change, m.finalize_event,
                           m.on_exception, m.on_final)):
        return {}
    quiet = {name for name, s in m.states.items() if not (s.on_enter or s.on_exit or s.final)}
    moves = {}
    for act, event in m.events.items():
        for source, candidates in event.transitions.items():
            if len(candidates) != 1:
                continue
            (t,) = candidates
            if t.conditions or t.prepare or t.before or t.after or t.dest is None:
                continue
            if source in quiet and t.dest in quiet:
                moves[(source, act)] = t.dest
    return moves


# a trigger through `transitions` costs ~27 µs (PERF-NOTES.md); a replay asks once per event
_PLAIN_MOVES = _plain_moves()


def run_transition(model: Any, act: str, allowed: list[str], **kwargs: Any) -> None:
    """Applies one act to a model through the shared machine; refuses what the table refuses."""
    dest = _PLAIN_MOVES.get((model.state, act))
    if dest is not None:
        model.state = dest
        return
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
