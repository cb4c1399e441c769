"""Each act is declared once (statemachines/catalogue.py) and everything else hangs off that
declaration: these tests fail when an act is declared but lacks its decide or its effect, when a
function is registered under a name nobody declared, or when a derived table leaves an act out."""
from __future__ import annotations

from services import authz
from statemachines import acts, audit, catalogue, fold, lifecycle

ON_CASE = {name for name, decl in catalogue.BY_NAME.items() if decl.on_case}


def test_every_act_on_a_case_has_its_effect_and_nothing_else_does():
    assert set(fold.EFFECTS) == ON_CASE


def test_every_act_a_person_records_on_a_case_has_its_decide_function():
    by_person = {name for name in ON_CASE if catalogue.BY_NAME[name].by_person}
    assert set(acts.DECIDE) == by_person


def test_the_machine_authorisation_and_audit_are_derived_from_every_declaration():
    assert {t["trigger"] for t in lifecycle.TRANSITIONS} == {n for n in ON_CASE if catalogue.BY_NAME[n].moves}
    declared = {a: tuple(r) for a, r in authz.ACT_ROLES.items() if a in catalogue.BY_NAME}
    assert declared == {n: d.roles for n, d in catalogue.BY_NAME.items() if d.by_person}
    # beside the acts, one permission that is part of an act: granting the R1 window exception
    assert set(authz.ACT_ROLES) - set(catalogue.BY_NAME) == {"window_exception"}
    assert set(audit.ACT_RULES) == set(catalogue.BY_NAME)
