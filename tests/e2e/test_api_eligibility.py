"""R2 over HTTP: eligibility names the ban to anyone, the case behind it only within one's jurisdictions."""
from __future__ import annotations

from datetime import date

from tests.story import SUPERVISOR, Story, credit_code


def _revoked_guizhou_case(rt, clock) -> Story:
    """Recorded by the users the `callers` fixture created (wang, zhao, li, sun: Guizhou)."""
    story = Story(rt, clock)
    story.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14))
    story.act("suspend", date(2025, 3, 3), actor=SUPERVISOR, ground="fraud")
    story.act("revoke", date(2025, 3, 10), actor="supervisor.sun", ground="fraud")
    return story


def test_r2_eligibility_hides_the_case_id_outside_the_callers_jurisdictions(rt, clock, callers):
    story = _revoked_guizhou_case(rt, clock)
    clock.set_day(date(2026, 1, 5))
    url = f"/api/v1/eligibility?credit_code={credit_code(1)}&level=provincial"
    inside = callers["caseworker.wang"].get(url).json()
    outside = callers["caseworker.hu"].get(url).json()  # Shanghai only
    assert inside["eligible"] is False and outside["eligible"] is False
    assert inside["bans"][0]["case_id"] == story.case_id
    assert outside["bans"][0]["case_id"] is None
    assert outside["bans"][0]["last_day"] == inside["bans"][0]["last_day"] == "2030-03-10"

