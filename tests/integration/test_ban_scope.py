"""R2/R14: which bans bar an application. A ban bars the same level in the jurisdiction of the
policy the application falls under (bans.scope = "level"), not another province's; and a ban is
judged on the application's own date, so one received during a ban and entered after the ban
ended is still refused. Runs on SQLite, PostgreSQL and the in-memory storage."""
from __future__ import annotations

from datetime import date as D

import pytest

from services.eligibility import eligibility
from statemachines.errors import BanInForce
from tests.policy_variants import variant, with_policies
from tests.story import INSPECTOR, SUPERVISOR, Story, credit_code

pytestmark = pytest.mark.memory


def province(code: str, scope: str = "level"):
    return variant(code, bans={"scope": scope})


def revoked_for_complaints(rt, clock, jurisdiction: str) -> Story:
    """A provincial base of `jurisdiction` recognised in 2024 and revoked on 2025-04-15 (ban to 2030-04-15)."""
    story = Story(rt, clock)
    story.apply(D(2024, 4, 8), seed=1, jurisdiction=jurisdiction)
    story.act("inspect", D(2024, 5, 16), actor=INSPECTOR, outcome="pass")
    story.act("approve", D(2024, 6, 14), actor=SUPERVISOR)
    for n, day in enumerate((D(2025, 3, 3), D(2025, 3, 10), D(2025, 3, 17)), start=1):
        story.act("record_complaint", day, complaint_id=f"c{n}", summary=f"入驻企业投诉{n}：承诺的服务未提供")
    for n in (1, 2, 3):
        story.act("verify_complaint", D(2025, 3, 24), complaint_id=f"c{n}", valid=True)
    story.act("revoke", D(2025, 4, 15), actor=SUPERVISOR, ground="complaints")
    return story


def test_r14_a_ban_of_another_province_does_not_bar_an_application_here(rt, clock):
    rt = with_policies(rt, province("420000"))
    hubei = revoked_for_complaints(rt, clock, "420000")
    assert hubei.case.state == "revoked"
    # the same operator, at the same level, in Guizhou: not Hubei's ban to enforce
    assert Story(rt, clock).apply(D(2026, 4, 8), seed=1, base="遵义市创业园").case.state == "applied"
    assert eligibility(rt, credit_code=credit_code(1), level="provincial", on=D(2026, 4, 8),
                       jurisdiction="520000").eligible
    # in Hubei itself the ban holds
    with pytest.raises(BanInForce) as refused:
        Story(rt, clock).apply(D(2026, 4, 8), seed=1, base="武汉市创业园", jurisdiction="420000")
    assert refused.value.details["case_id"] == hubei.case_id


def test_r14_a_policy_may_bar_every_ban_on_record_anywhere(rt, clock):
    rt = with_policies(rt, province("420000"), province("430000", scope="all"))
    revoked_for_complaints(rt, clock, "420000")
    with pytest.raises(BanInForce):
        Story(rt, clock).apply(D(2026, 4, 8), seed=1, base="长沙市创业园", jurisdiction="430000")
    assert not eligibility(rt, credit_code=credit_code(1), level="provincial", on=D(2026, 4, 8),
                           jurisdiction="430000").eligible


def test_r2_an_application_dated_during_a_ban_is_refused_after_the_ban_ended(rt, clock):
    old = revoked_for_complaints(rt, clock, "520000")
    old.until(D(2030, 4, 16))  # the sweep records the ban's end
    assert old.case.ban.ended_on == D(2030, 4, 16)
    # a paper application received on 2030-04-10 (the ban's last days), entered now
    late = Story(rt, clock)
    late.clock.set_day(D(2030, 4, 20))
    with pytest.raises(BanInForce):
        late.apply(D(2030, 4, 10), seed=1, base="贵阳市大学生创业园二期")
    assert not eligibility(rt, credit_code=credit_code(1), level="provincial", on=D(2030, 4, 10),
                           jurisdiction="520000").eligible
    assert eligibility(rt, credit_code=credit_code(1), level="provincial", on=D(2030, 4, 16),
                       jurisdiction="520000").eligible


def test_r14_a_ground_for_which_the_policy_sets_no_ban(rt, clock):
    rt = with_policies(rt, variant("420000", bans={"complaints": "none"}))
    story = revoked_for_complaints(rt, clock, "420000")
    case = story.case
    assert (case.state, case.revocation_ground, case.ban) == ("revoked", "complaints", None)
    assert story.events[-1].payload["ban"] is None and story.timers() == {}
    again = Story(rt, clock).apply(D(2025, 4, 16), seed=1, base="武汉市创业园二期", jurisdiction="420000",
                                   actor=SUPERVISOR, window_exception="撤销未设暂停申请期限")
    assert again.case.state == "applied"


def test_r14_a_permanent_ban_never_ends(rt, clock):
    """不得再次申报: a ground whose ban is "permanent" bars the operator at that level for good; no
    ban-end timer is owed, the ban is kept with no last day, and an application decades later is
    refused naming it."""
    rt = with_policies(rt, variant("420000", bans={"complaints": "permanent"}))
    story = revoked_for_complaints(rt, clock, "420000")
    case = story.case
    assert (case.state, case.ban.ground, case.ban.first_day, case.ban.last_day) == (
        "revoked", "complaints", D(2025, 4, 15), None)
    assert story.events[-1].payload["ban"]["length"] == "permanent"
    assert story.timers() == {}
    story.until(D(2045, 4, 16))  # sweeps over twenty years record nothing
    assert story.case.ban.ended_on is None and story.case.version == case.version
    later = Story(rt, clock)
    with pytest.raises(BanInForce) as refused:
        later.apply(D(2045, 4, 16), seed=1, base="武汉市创业园", jurisdiction="420000")
    assert refused.value.details["last_day"] is None
    assert "permanent" in str(refused.value)
    verdict = eligibility(rt, credit_code=credit_code(1), level="provincial", on=D(2045, 4, 16),
                          jurisdiction="420000")
    assert not verdict.eligible and verdict.bans[0].last_day is None
