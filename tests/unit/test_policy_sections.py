"""policy_from_mapping reads a policy one section at a time (a function per section): a fault in any
part of the file is refused with the field it is in, whichever section holds it."""
from __future__ import annotations

import copy
import tomllib
from datetime import date, datetime
from typing import Any

import pytest

from config import PROJECT_ROOT
from statemachines.policy import PolicyError, policy_from_mapping

GUIZHOU = tomllib.loads((PROJECT_ROOT / "policies" / "guizhou-provincial-2022.v1.toml").read_text(encoding="utf-8"))
MISSING = object()
ONLY_DEADLINES = "working days count only for a deadline to act, not here"


def _with(changes: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(GUIZHOU)
    for key, value in changes.items():
        *sections, leaf = key.split(".")
        node = data
        for section in sections:
            node = node[section]
        if value is MISSING:
            del node[leaf]
        else:
            node[leaf] = value
    return data


# one fault -> the field the refusal names
FAULTS = {
    "recognition.period": (MISSING, "recognition.period"),
    "annual_report.due": ("02-30", "annual_report.due"),
    "assessment.missed_grade": (1, "assessment.missed_grade"),
    "assessment.first_after": ("1y1d", "assessment.first_after"),
    "assessment.every": ("5x", "assessment.every"),
    "reevaluation.auto_extend_when_all_passed": (MISSING, "reevaluation.auto_extend_when_all_passed"),
    "bans.scope": ("county", "bans.scope"),
    "bans.fraud": (MISSING, "bans.fraud"),
    "bans.complaints": ("forever", "bans.complaints"),
    "annual_report.default": (["deadline"], "annual_report.default"),
    "complaints.window": ("rolling", "complaints.window"),
    "complaints.threshold": (0, "complaints.threshold"),
    "subsidy.total_fen": (1, "subsidy.instalments"),
    "reminders.offsets_days": ([-1], "reminders.offsets_days"),
    "effective_to": ("2000-01-01", "effective_to"),
    "effective_from": ("x", "effective_from"),
    "application_window.closes": ("02-29", "application_window.closes"),
    "application_window.quota": (-1, "application_window.quota"),
    "level": ("regional", "level"),
    "sources": ([{}], "sources[0].id"),
    "recognition": (MISSING, "recognition"),
    "reminders": (MISSING, "reminders"),
    "title": (MISSING, "title"),
    "id": (MISSING, "id"),
}


@pytest.mark.parametrize("key", sorted(FAULTS))
def test_a_fault_in_any_section_is_refused_naming_its_field(key):
    value, field = FAULTS[key]
    with pytest.raises(PolicyError) as info:
        policy_from_mapping(_with({key: value}), where="probe")
    assert str(info.value).startswith(f"probe: {field}: "), str(info.value)


def test_the_file_without_faults_loads():
    assert policy_from_mapping(_with({}), where="probe").id == GUIZHOU["id"]


def test_faults_in_several_sections_are_all_reported_one_line_each():
    with pytest.raises(PolicyError) as info:
        policy_from_mapping(_with({"recognition.period": "5x", "complaints.threshold": 0, "level": "regional"}),
                            where="probe")
    assert [p.split(":")[0] for p in info.value.problems] == ["level", "recognition.period", "complaints.threshold"]
    assert str(info.value).splitlines()[1].startswith("probe: recognition.period: ")


@pytest.mark.parametrize(("key", "shown"), [
    ("colour", "colour"), ("assessment.grade_scale", "assessment.grade_scale"),
    ("subsidy.instalments", "subsidy.instalments[0].amount_fenn"),
])
def test_a_key_no_policy_has_is_refused_with_its_path(key, shown):
    data = _with({})
    if key == "subsidy.instalments":
        data["subsidy"]["instalments"][0]["amount_fenn"] = 1
    else:
        node, *rest = key.split(".")
        (data[node] if rest else data)[rest[0] if rest else node] = "x"
    with pytest.raises(PolicyError) as info:
        policy_from_mapping(data, where="probe")
    assert info.value.problems == (f"{shown}: is not a key of a policy file",)


def test_unknown_keys_wait_until_the_rest_of_the_file_reads():
    data = _with({"complaints.threshold": 0})
    data["colour"] = "red"
    with pytest.raises(PolicyError) as info:
        policy_from_mapping(data, where="probe")
    assert [p.split(":")[0] for p in info.value.problems] == ["complaints.threshold"]


@pytest.mark.parametrize(("changes", "problem"), [
    ({"assessment.fail_grades": ["不达标", "达标"]}, "assessment.fail_grades: '达标' is a pass grade too"),
    ({"assessment.pass_grades": []}, "assessment.pass_grades: must name at least one grade"),
    ({"effective_from": datetime(2022, 7, 22, 9, 0)},
     "effective_from: 2022-07-22T09:00:00 is a date and time; a date is due (YYYY-MM-DD)"),
    ({"subsidy.instalments": [{"after": "0d", "amount_fen": 20000000}, {"after": "5y1d", "amount_fen": 30000000}]},
     "subsidy.instalments[1].after: 5y1d is after the recognition period (5y) ends"),
    ({"recognition.period": "20wd"}, f"recognition.period: 20wd: {ONLY_DEADLINES}"),
    ({"bans.fraud": "20wd"}, f"bans.fraud: 20wd: {ONLY_DEADLINES}"),
    ({"prerequisite": {"level": "provincial", "clause": "x"}},
     "prerequisite.level: 'provincial' is not below the policy's level 'provincial'"
     " (the same level or above needs another programme)"),
    ({"programme": "park", "prerequisite": {"level": "national", "programme": "base", "clause": "x"}},
     "prerequisite.level: 'national' is above the policy's level 'provincial'"),
    ({"programme": "高能级"}, "programme: '高能级': lower-case letters, digits and '-', starting with a letter"),
    ({"programme": "park", "subsidy.not_combined_with": ["park"]},
     "subsidy.not_combined_with[0]: 'park' is this policy's own programme"),
    ({"subsidy.not_combined_with": ["park", "park"]}, "subsidy.not_combined_with: names a programme twice"),
    ({"subsidy.not_combined_with": ["park"], "public_notice": {"period": "5wd", "clause": "x"}},
     "subsidy: not_combined_with cannot be used with a public_notice yet: the grant at the notice's end does "
     "not check it"),
])
def test_a_file_that_contradicts_itself_is_refused(changes, problem):
    """Cross-field checks: grades on both sides of the line, an empty scale, a date-time where a
    date is due, a payment after the recognition it belongs to has ended, working days where a
    period or ban (which end on a calendar day) is meant."""
    with pytest.raises(PolicyError) as info:
        policy_from_mapping(_with(changes), where="probe")
    assert info.value.problems == (problem,)


def test_r23_a_programme_may_ask_for_a_recognition_of_another_programme_at_its_own_level():
    policy = policy_from_mapping(_with({"programme": "high-level-park", "subsidy.not_combined_with": ["base"],
                                        "prerequisite": {"level": "provincial", "programme": "base", "clause": "x"}}),
                                 where="probe")
    assert (policy.programme, policy.prerequisite_level, policy.prerequisite_programme) == (
        "high-level-park", "provincial", "base")
    assert policy.subsidy_not_combined_with == ("base",)
    assert policy_from_mapping(_with({}), where="probe").programme == "base"  # a file that names none


def test_an_instalment_on_the_last_day_of_the_period_is_accepted():
    policy = policy_from_mapping(_with({"subsidy.instalments": [
        {"after": "0d", "amount_fen": 20000000}, {"after": "5y", "amount_fen": 30000000}]}), where="probe")
    assert [i.amount_fen for i in policy.instalments] == [20000000, 30000000]


def test_a_rectification_period_may_count_working_days():
    policy = policy_from_mapping(_with({"rectification.period": "20wd"}), where="probe")
    assert str(policy.rectification_period) == "20wd"


def test_r14_a_ban_may_be_permanent_or_none_per_ground():
    from statemachines.policy import PERMANENT

    policy = policy_from_mapping(_with({"bans.fraud": "permanent", "bans.complaints": "none"}), where="probe")
    assert (policy.ban_for("fraud"), policy.ban_for("complaints"), str(policy.ban_for("commitment_breach"))) == (
        PERMANENT, None, "5y")


def test_r1_a_window_may_span_the_new_year():
    """Guangzhou's round for 2023 closed on 2024-01-19: a `closes` before `opens` ends the next year."""
    policy = policy_from_mapping(_with({"application_window.opens": "12-01",
                                        "application_window.closes": "01-19"}), where="probe")
    assert policy.window_of(2023) == (date(2023, 12, 1), date(2024, 1, 19))


def test_a_section_marks_which_of_its_figures_are_ours():
    """Per figure, not per section: Guizhou's text gives the report's year (按年度报送), not its date."""
    policy = policy_from_mapping(_with({"annual_report.default": ["due"]}), where="probe")
    clause = policy.cite("annual_report_due")
    assert (clause.default, clause.ours, clause.is_ours("due"), clause.is_ours("year")) == (True, ("due",), True, False)
    whole = policy.cite("application_window")
    assert whole.is_ours("opens") and whole.is_ours("closes") and whole.ours == ()
