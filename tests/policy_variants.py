"""Guizhou's policy under another province's code, with some sections changed: the rules a scenario
test needs that no shipped policy has, built by the real loader (policy_from_mapping)."""
from __future__ import annotations

import copy
import dataclasses
import tomllib
from typing import Any

from config import PROJECT_ROOT
from services.policies import default_policies
from statemachines.policy import Policy, PolicyBook, policy_from_mapping

GUIZHOU = tomllib.loads((PROJECT_ROOT / "policies" / "guizhou-provincial-2022.v1.toml").read_text(encoding="utf-8"))


def variant(code: str, replace: dict[str, Any] | None = None, **merge: dict[str, Any]) -> Policy:
    """Guizhou's rules as `code`'s policy (id `test-<code>`): the top-level keys and sections in
    `replace` instead of Guizhou's (e.g. its level), the keys in `merge` over Guizhou's sections."""
    data = copy.deepcopy(GUIZHOU)
    data.update(id=f"test-{code}", jurisdiction=code, **(replace or {}))
    for name, keys in merge.items():
        data[name] = {**data[name], **keys}
    return policy_from_mapping(data, where=f"test-{code}")


# Shipped versions the rule scenarios leave out: Guizhou's version for its 2024 round only (its dates
# are the scenarios' dates), and Bao'an's district policy (the scenarios' own district variants stand
# for 440306); each has its own scenario in tests/integration/test_jurisdictions.py
ROUND_VERSIONS = {("guizhou-provincial-2022", 2), ("shenzhen-baoan-county", 1)}


def scenario_policies() -> PolicyBook:
    """The shipped policies that the rule scenarios (R1–R19) run under: all of them but the versions
    of a single year's round. Those scenarios apply to Guizhou with 001's own rules (v1: its yearly
    window, ours, in April), on dates that fall within the 2024 round that v2 describes (a window of
    its own and a municipal prerequisite); v2 has its own scenario (tests/integration/test_jurisdictions.py)."""
    return PolicyBook([p for p in default_policies() if p.key not in ROUND_VERSIONS])


def with_policies(rt, *extra: Policy):
    """The runtime with the scenarios' policies and these."""
    return dataclasses.replace(rt, policies=PolicyBook([*scenario_policies(), *extra]))


def governing_guizhou(**merge: dict[str, Any]) -> Policy:
    """Guizhou's rules with these sections changed, in force from the day after Guizhou's own, so
    that it governs the Guizhou cases of a test (for tests of the API and pages, which cannot pass
    a policy of another province's code)."""
    from datetime import date

    return variant("520000", replace={"effective_from": date(2022, 7, 23)}, **merge)
