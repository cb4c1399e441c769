"""R17 replay and every act: the precomputed (state, act) moves used by run_transition give what
the `transitions` machine gives, for every state, act, payload and policy the conditions read.
"""
from __future__ import annotations

from itertools import product
from types import SimpleNamespace

import pytest
from transitions import MachineError

from statemachines.errors import IllegalTransition
from statemachines.lifecycle import (
    _GUARDED_MOVES,
    _PLAIN_MOVES,
    ALL_ACTS,
    IN_FORCE,
    MACHINE,
    STATES,
    guarded_moves,
    run_transition,
)

PAYLOADS = [{}, {"outcome": "pass"}, {"outcome": "fail"}, {"decision": "extend"}, {"decision": "lapse"},
            *({"back_to": s} for s in IN_FORCE),
            # R22: an approval that opens a public notice, and the decisions on an objection
            {"notice": {"number": 1}}, {"decision": "dismiss"}, {"decision": "uphold"}]
POLICIES = [SimpleNamespace(rectification_enabled=True), SimpleNamespace(rectification_enabled=False)]


class Model:
    def __init__(self, state: str) -> None:
        self.state = state


def through_machine(state: str, act: str, event, policy) -> str:
    model = Model(state)
    try:
        done = MACHINE.events[act].trigger(model, event=event, policy=policy)
    except MachineError:
        return "illegal"
    return model.state if done else "illegal"


def through_run_transition(state: str, act: str, event, policy) -> str:
    model = Model(state)
    try:
        run_transition(model, act, [], event=event, policy=policy)
    except IllegalTransition:
        return "illegal"
    return model.state


@pytest.mark.parametrize("state", STATES)
def test_R17_every_move_matches_the_machine(state):
    for act, payload, policy in product(ALL_ACTS, PAYLOADS, POLICIES):
        event = SimpleNamespace(payload=payload)
        assert through_run_transition(state, act, event, policy) == through_machine(state, act, event, policy), (
            state, act, payload, policy)


def test_R17_conditional_moves_are_left_to_the_machine():
    conditional = set()
    for act, event in MACHINE.events.items():
        for source, candidates in event.transitions.items():
            if len(candidates) > 1 or candidates[0].conditions:
                conditional.add((source, act))
    assert conditional and not conditional & set(_PLAIN_MOVES)
    assert ("applied", "inspect") in conditional and ("recognized", "record_assessment") in conditional
    assert _PLAIN_MOVES[("recognized", "verify_complaint")] == "recognized"
    # R22: an approval recognises at once, or opens the public notice first, as its payload says
    assert ("inspected", "approve") in conditional and ("publicized", "decide_objection") in conditional
    assert _PLAIN_MOVES[("publicized", "record_objection")] == "publicized"
    assert _PLAIN_MOVES[("publicized", "end_public_notice")] == "recognized"


def test_R17_an_unknown_act_or_state_is_refused_as_before():
    with pytest.raises(IllegalTransition):
        run_transition(Model("recognized"), "no_such_act", [])
    with pytest.raises(IllegalTransition):
        run_transition(Model("applied"), "verify_complaint", [])
    with pytest.raises(ValueError):  # the machine's own answer to a state it does not know
        run_transition(Model("nowhere"), "approve", [], event=SimpleNamespace(payload={}), policy=POLICIES[0])


def test_R17_conditional_moves_are_decided_as_the_machine_decides_them():
    """The guarded rows (issue 16: a `transitions` trigger was a fifth of verifying a short case) are
    exactly the machine's conditional ones, in its order, so test_R17_every_move_matches_the_machine
    holds them to the machine's answer for every payload and policy the conditions read."""
    conditional = {(source, act): [(t.dest, [(c.func, c.target) for c in t.conditions]) for t in candidates]
                   for act, event in MACHINE.events.items() for source, candidates in event.transitions.items()
                   if len(candidates) > 1 or candidates[0].conditions}
    assert {key: [(dest, list(guards)) for dest, guards in moves] for key, moves in _GUARDED_MOVES.items()} == \
        conditional
    assert [dest for dest, _ in _GUARDED_MOVES[("applied", "inspect")]] == ["inspected", "rejected"]


def test_R17_the_machine_has_no_callbacks_the_fast_paths_would_skip():
    assert not (MACHINE.prepare_event or MACHINE.finalize_event or MACHINE.before_state_change
                or MACHINE.after_state_change or MACHINE.on_exception or MACHINE.on_final)
    for event in MACHINE.events.values():
        for candidates in event.transitions.values():
            assert all(not (t.prepare or t.before or t.after) for t in candidates)
    assert all(not (s.on_enter or s.on_exit) for s in MACHINE.states.values())


def test_R17_a_guard_naming_a_model_method_is_left_to_the_machine():
    table = [{"trigger": "go", "source": "a", "dest": "b", "conditions": "is_ready"},
             {"trigger": "go", "source": "a", "dest": "c"},
             {"trigger": "stop", "source": "a", "dest": "=", "unless": [lambda event: False]}]
    moves = guarded_moves(table)
    assert ("a", "go") not in moves and [dest for dest, _ in moves[("a", "stop")]] == ["a"]


def test_R17_a_guard_that_fails_fails_as_it_does_in_the_machine():
    event = SimpleNamespace(payload=None)  # a payload the conditions cannot read
    with pytest.raises(AttributeError):
        through_machine("publicized", "decide_objection", event, POLICIES[0])
    with pytest.raises(AttributeError):
        through_run_transition("publicized", "decide_objection", event, POLICIES[0])
    # and a suspended case reinstated to no state of the table is refused, by both
    assert through_run_transition("suspended", "reinstate", SimpleNamespace(payload={}), POLICIES[0]) == "illegal"
