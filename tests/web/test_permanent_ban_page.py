"""R14 on the case page: a permanent ban (不得再次申报) reads as such, with no last day."""
from __future__ import annotations

from datetime import date

import pytest

from tests.policy_variants import governing_guizhou, with_policies
from tests.story import CASEWORKER, SUPERVISOR, Story

STRICT = governing_guizhou(bans={"fraud": "permanent"})


@pytest.fixture
def rt(rt):
    return with_policies(rt, STRICT)


def test_r14_the_case_page_shows_a_permanent_ban(rt, clock, sign_in):
    story = Story(rt, clock)
    story.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14))
    story.act("suspend", date(2025, 3, 3), actor=CASEWORKER, ground="fraud")
    story.act("revoke", date(2025, 3, 10), actor=SUPERVISOR, ground="fraud")
    page = sign_in(CASEWORKER).get(f"/cases/{story.case_id}")
    assert page.status_code == 200
    assert "2025年3月10日 – 永久（不得再次申报）" in page.text
