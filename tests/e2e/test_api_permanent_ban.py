"""R14 over HTTP, a permanent ban (不得再次申报): served with no last day and no day from which a new
application is possible, under Guizhou's rules with a permanent ban for fraud."""
from __future__ import annotations

from datetime import date

import pytest

from tests.policy_variants import governing_guizhou, with_policies
from tests.story import SUPERVISOR, Story, credit_code

STRICT = governing_guizhou(bans={"fraud": "permanent"})


@pytest.fixture
def rt(rt):
    return with_policies(rt, STRICT)


def test_r14_a_permanent_ban_is_served_with_no_last_day(rt, clock, callers):
    story = Story(rt, clock)
    story.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14))
    story.act("suspend", date(2025, 3, 3), actor=SUPERVISOR, ground="fraud")
    story.act("revoke", date(2025, 3, 10), actor="supervisor.sun", ground="fraud")
    assert story.case.policy_id == STRICT.id
    clock.set_day(date(2040, 1, 6))
    wang = callers["caseworker.wang"]
    ban = wang.get(f"/api/v1/cases/{story.case_id}").json()["ban"]
    assert (ban["first_day"], ban["last_day"]) == ("2025-03-10", None)
    answer = wang.get(f"/api/v1/eligibility?credit_code={credit_code(1)}&level=provincial").json()
    assert answer["eligible"] is False
    assert (answer["bans"][0]["last_day"], answer["bans"][0]["eligible_from"]) == (None, None)
    detail = wang.get(f"/api/v1/policies/{STRICT.id}").json()["versions"][0]
    assert detail["parameters"]["bans"]["fraud"] == "permanent"
