"""Issue 15: the OpenAPI document's examples (api/openapi_examples.py) keep up with the service's words and acts."""
from __future__ import annotations

from api import openapi_examples as ex
from statemachines.catalogue import CASE_ACTS
from statemachines.states import STATE_NAMES_ZH


def test_issue15_the_examples_name_states_as_the_service_does():
    """An example's state_name is the state's name of statemachines/states.py (which the pages' words may change)."""
    for case in (ex.APPLIED, ex.RECOGNIZED, ex.DOSSIER["case"], *(ex.case_after(act) for act in ex.ACT_BODIES)):
        assert case["state_name"] == STATE_NAMES_ZH[case["state"]], case["id"]
    assert set(ex.ACT_BODIES) == {a.name for a in CASE_ACTS}  # every act has its example
