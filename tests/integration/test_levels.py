"""Levels (issue 13): county/district (区/县), municipal (市/州), provincial and national. A policy of
a level governs the cases of that level in its jurisdiction only: a district's policy for 440306
never takes a Shenzhen municipal case in 440306. Runs on SQLite, PostgreSQL and the in-memory storage."""
from __future__ import annotations

from datetime import date as D

import pytest

from api.schemas import Level
from statemachines.errors import UnknownPolicy
from statemachines.policy import LEVELS
from tests.policy_variants import variant, with_policies
from tests.story import Story

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
