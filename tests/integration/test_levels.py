"""Levels (issue 13): county/district (区/县), municipal (市/州), provincial and national. A policy of
a level governs the cases of that level in its jurisdiction only: a district's policy for 440306
never takes a Shenzhen municipal case in 440306. Runs on SQLite, PostgreSQL and the in-memory storage."""
from __future__ import annotations

from datetime import date as D

import pytest

from api.schemas import Level
from statemachines.errors import PrerequisiteMissing, UnknownPolicy
from statemachines.policy import LEVELS
from tests.policy_variants import variant, with_policies
from tests.story import INSPECTOR, SUPERVISOR, Story

pytestmark = pytest.mark.memory

SHENZHEN = variant("440300", replace={"level": "municipal"})
BAOAN = variant("440306", replace={"level": "county"})


def test_a_case_takes_the_policy_of_its_own_level_in_the_jurisdiction(rt, clock):
    rt = with_policies(rt, SHENZHEN, BAOAN)
    district = Story(rt, clock).apply(D(2024, 4, 8), seed=1, base="宝安区青年创业园", level="county",
                                       jurisdiction="440306")
    city = Story(rt, clock).apply(D(2024, 4, 8), seed=2, base="宝安区留学生创业园", level="municipal",
                                   jurisdiction="440306")
    assert (district.case.policy_id, city.case.policy_id) == ("test-440306", "test-440300")
    # a county case elsewhere in Shenzhen has no county policy to take
    with pytest.raises(UnknownPolicy):
        Story(rt, clock).apply(D(2024, 4, 8), seed=3, base="南山区创业园", level="county", jurisdiction="440305")


def test_the_api_accepts_every_level_the_policies_may_have():
    assert Level.__args__ == LEVELS


def test_r18_a_level_that_requires_a_lower_recognition_in_force(rt, clock):
    """Guangdong's provincial policy (a test's) asks for the base's municipal recognition in force."""
    province = variant("440000", replace={"prerequisite": {"level": "municipal", "clause": "须为市级示范基地"}})
    rt = with_policies(rt, SHENZHEN, province)
    with pytest.raises(PrerequisiteMissing) as refused:
        Story(rt, clock).apply(D(2024, 4, 8), seed=1, base="宝安区青年创业园", jurisdiction="440306")
    assert (refused.value.rule, refused.value.details) == ("R18", {"level": "provincial",
                                                                   "required_level": "municipal"})
    city = Story(rt, clock)
    city.apply(D(2024, 4, 8), seed=1, base="宝安区青年创业园", level="municipal", jurisdiction="440306")
    city.act("inspect", D(2024, 5, 16), actor=INSPECTOR, outcome="pass")
    city.act("approve", D(2024, 6, 14), actor=SUPERVISOR)
    # recognised by the city: the base may now apply to the province, the same base by name
    applied = Story(rt, clock).apply(D(2025, 4, 8), seed=1, base="宝安区青年创业园", jurisdiction="440306")
    assert (applied.case.level, applied.case.policy_id) == ("provincial", "test-440000")
