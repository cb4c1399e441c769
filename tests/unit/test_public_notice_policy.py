"""R22 as policy data: the optional [public_notice] section, read strictly by the loader."""
from __future__ import annotations

import copy

import pytest

from statemachines.periods import Duration
from statemachines.policy import UNKNOWN_KEY, PolicyError, policy_from_mapping
from tests.policy_variants import GUIZHOU


def with_notice(**section) -> dict:
    data = copy.deepcopy(GUIZHOU)
    data["public_notice"] = section
    return data


def problems(data: dict) -> tuple[str, ...]:
    with pytest.raises(PolicyError) as refused:
        policy_from_mapping(data, where="probe")
    return refused.value.problems


def test_r22_a_public_notice_in_working_days_is_read_with_its_clause():
    policy = policy_from_mapping(with_notice(period="5wd", clause="公示5个工作日，无异议的予以认定"))
    assert policy.public_notice_period == Duration(working_days=5)
    clause = policy.cite("public_notice")
    assert clause is not None and (clause.rule, clause.default) == ("R22", False)
    assert "公示5个工作日" in clause.text


def test_r22_a_public_notice_in_calendar_days_marked_as_our_default():
    policy = policy_from_mapping(with_notice(period="7d", clause="公示期（默认值）", default=True))
    assert policy.public_notice_period == Duration(days=7)
    assert policy.cite("public_notice").default is True


def test_r22_without_the_section_an_approval_needs_no_notice():
    policy = policy_from_mapping(copy.deepcopy(GUIZHOU))
    assert policy.public_notice_period is None and policy.cite("public_notice") is None


@pytest.mark.parametrize(("section", "problem"), [
    ({"period": "5wd", "clause": "x", "length": "5wd"}, f"public_notice.length: {UNKNOWN_KEY}"),
    ({"clause": "x"}, "public_notice.period: is missing"),
    ({"period": "5wd"}, "public_notice.clause: is missing"),
    ({"period": "five days", "clause": "x"}, "public_notice.period: 'five days' is not a duration"),
    ({"period": "0wd", "clause": "x"}, "public_notice.period: '0wd' is not a duration"),
    ({"period": "1m", "clause": "x"}, "public_notice.period: 1m: a public notice runs for days or working days"),
    ({"period": 5, "clause": "x"}, "public_notice.period: expected str, got 5"),
    ({"period": "5wd", "clause": "x", "default": "yes"}, "public_notice.default: expected bool"),
])
def test_r22_a_wrong_public_notice_is_refused_naming_the_key(section, problem):
    found = problems(with_notice(**section))
    assert len(found) == 1 and found[0].startswith(problem), found


def test_r22_a_public_notice_that_is_not_a_table_is_refused():
    data = copy.deepcopy(GUIZHOU)
    data["public_notice"] = "5wd"
    assert problems(data)[0].startswith("public_notice: expected dict")
