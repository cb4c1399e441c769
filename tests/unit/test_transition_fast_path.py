"""R17 replay and every act: the precomputed (state, act) moves used by run_transition give what
the `transitions` machine gives, for every state, act, payload and policy the conditions read.
"""
from __future__ import annotations

from itertools import product
from types import SimpleNamespace

import pytest
from transitions import MachineError

from statemachines.errors import IllegalTransition
from statemachines.lifecycle import _PLAIN_MOVES, ALL_ACTS, IN_FORCE, MACHINE, STATES, run_transition

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
