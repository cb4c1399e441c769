"""docs/policies.md describes the policy language: every key the shipped policy files use, and the
optional ones the loader knows, has its row; and no row names a key the loader does not know."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from config import PROJECT_ROOT
from statemachines.policy import policy_from_mapping

DOC = (PROJECT_ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
OPTIONAL = {"effective_to", "annual_report.required", "prerequisite.level", "prerequisite.clause",
            "prerequisite.default", "prerequisite.proof", "prerequisite.programme", "programme",
            "subsidy.not_combined_with", "application_window.announced", "application_window.quota",
            "recognition.ends_with_plan", "reevaluation.at_end", "reevaluation.pending_for",
            # R20: money tied to what happens
            "subsidy.per_grade", "subsidy.cap_fen", "subsidy.tiers[].name", "subsidy.tiers[].amount_fen",
            "subsidy.tiers[].criterion", "subsidy.partial_payments", "subsidy.clawback_grounds",
            "subsidy.clawback_within",
            # R21: assessment campaigns, earliest dates, a miss recorded by the system
            "assessment.schedule", "assessment.opens_before", "assessment.missed",
            "assessment.campaign.eligible_after", "assessment.campaign.cutoff", "assessment.campaign.results_due",
            "assessment.campaign.results_year", "assessment.campaign.opens",
            # R22: the public notice
            "public_notice.period", "public_notice.clause", "public_notice.default"}


# keys whose value is a table of the policy's own names (grade -> amount), not keys of the language
TABLES = {"subsidy.per_grade"}


def keys_of(node: dict, path: str = "") -> set[str]:
    found = set()
    for key, value in node.items():
        name = f"{path}.{key}" if path else key
        if isinstance(value, dict) and name not in TABLES:
            found |= keys_of(value, name)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            found |= {k for item in value for k in keys_of(item, name + "[]")}
        else:
            found.add(name)
    return found


def shipped_keys() -> set[str]:
    return set().union(*(keys_of(tomllib.loads(p.read_text(encoding="utf-8")))
                         for p in sorted(Path(PROJECT_ROOT / "policies").glob("*.toml"))))


def documented() -> set[str]:
    return set(re.findall(r"^\| `([a-z_\[\].]+)`", DOC, re.M)) | {
        k for row in re.findall(r"^\| (`[^|]+`(?:, `[^|]+`)+) \|", DOC, re.M) for k in re.findall(r"`([^`]+)`", row)}


def test_every_key_of_a_policy_file_has_its_row():
    assert shipped_keys() | OPTIONAL <= documented()


def test_every_documented_key_is_one_a_file_may_hold():
    assert documented() <= shipped_keys() | OPTIONAL


def test_the_optional_keys_are_read_by_the_loader():
    guizhou = tomllib.loads((PROJECT_ROOT / "policies" / "guizhou-provincial-2022.v1.toml").read_text(encoding="utf-8"))
    ending = policy_from_mapping({**guizhou, "effective_to": guizhou["effective_from"].replace(year=2027)})
    assert ending.effective_to is not None and ending.effective_to.year == 2027
    none = policy_from_mapping({**guizhou, "annual_report": {"required": False, "clause": "该地未要求年度报告"}})
    assert none.annual_report_due is None
