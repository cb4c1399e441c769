"""R1/R19: application rounds as policies run them — a fixed window that spans 1 January, a quota of
approvals per round, and rounds announced each year by a supervisor (dates, quota, notice), each
recorded once. Runs on SQLite, PostgreSQL and the in-memory storage."""
from __future__ import annotations

from datetime import date as D

import pytest

from services import rounds, users
from services.users import Forbidden
from statemachines.errors import InvalidAct, NoRoundAnnounced, QuotaReached, RoundAlreadyAnnounced, WindowClosed
from tests.policy_variants import variant, with_policies
from tests.story import INSPECTOR, SUPERVISOR, Story

pytestmark = pytest.mark.memory

WINDOW_CLAUSE = {"clause": "测试：申报窗口与名额", "default": True}


def spanning(code: str = "440100") -> object:
    """Guangzhou-like: the round for a year runs from 1 December to 19 January."""
    return variant(code, application_window={"opens": "12-01", "closes": "01-19", **WINDOW_CLAUSE})


def inspected(rt, clock, applied: D, seed: int, jurisdiction: str) -> Story:
    story = Story(rt, clock)
    story.apply(applied, seed=seed, base=f"创业园{seed}号", jurisdiction=jurisdiction)
    story.act("inspect", applied.replace(day=applied.day + 1) if applied.day < 28 else applied,
              actor=INSPECTOR, outcome="pass")
    return story


def test_r1_a_window_that_spans_the_new_year_takes_january_applications_in_the_round_of_december(rt, clock):
    rt = with_policies(rt, spanning())
    story = Story(rt, clock)
    story.apply(D(2024, 1, 10), seed=1, jurisdiction="440100")
    assert story.case.round_year == 2023
    with pytest.raises(WindowClosed) as refused:
        Story(rt, clock).apply(D(2024, 2, 1), seed=2, jurisdiction="440100")
    # named: the round that opens in the application's year
    assert refused.value.details == {"opens": "2024-12-01", "closes": "2025-01-19"}
    assert Story(rt, clock).apply(D(2024, 12, 1), seed=3, jurisdiction="440100").case.round_year == 2024


def test_r19_approvals_beyond_the_rounds_quota_are_refused_naming_it(rt, clock):
    rt = with_policies(rt, variant("420000", application_window={
        "opens": "04-01", "closes": "04-30", "quota": 2, **WINDOW_CLAUSE}))
    first, second, third = (inspected(rt, clock, D(2025, 4, 7 + n), n, "420000") for n in (1, 2, 3))
    first.act("approve", D(2025, 5, 20), actor=SUPERVISOR)
    second.act("approve", D(2025, 5, 20), actor=SUPERVISOR)
    assert second.events[-1].payload["round"] == {"year": 2025, "quota": 2, "approved_before": 1}
    before = third.case
    with pytest.raises(QuotaReached) as refused:
        third.act("approve", D(2025, 5, 21), actor=SUPERVISOR)
    assert refused.value.details == {"year": 2025, "quota": 2, "approved": 2}
    assert third.case == before  # nothing changed
    third.act("reject", D(2025, 5, 21), actor=SUPERVISOR)
    # next year's round has its own quota
    inspected(rt, clock, D(2026, 4, 8), 4, "420000").act("approve", D(2026, 5, 20), actor=SUPERVISOR)


def test_r19_rounds_announced_each_year_with_their_dates_quota_and_notice(rt, clock):
    window = {"announced": True, "quota": 5, **WINDOW_CLAUSE}
    rt = with_policies(rt, variant("430000", replace={"application_window": window}))
    supervisor = users.add_user(rt, "supervisor.hn", "刘洋", [("supervisor", "430000")])
    caseworker = users.add_user(rt, "caseworker.hn", "周婷", [("caseworker", "430000")])
    clock.set_day(D(2025, 4, 20))
    with pytest.raises(NoRoundAnnounced):
        Story(rt, clock).apply(D(2025, 4, 20), seed=1, jurisdiction="430000")

    notice = dict(policy_id="test-430000", year=2025, opens_on=D(2025, 5, 6), closes_on=D(2025, 6, 30),
                  document="湘人社函〔2025〕12号", reason="公布2025年度申报安排")
    with pytest.raises(Forbidden):
        rounds.announce(rt, caseworker, quota=1, **notice)
    with pytest.raises(InvalidAct):
        rounds.announce(rt, supervisor, quota=1, **{**notice, "closes_on": D(2025, 5, 1)})
    announced = rounds.announce(rt, supervisor, quota=1, **notice)
    assert (announced.quota, announced.announcement.by, announced.announcement.document) == (
        1, "supervisor.hn", "湘人社函〔2025〕12号")
    with pytest.raises(RoundAlreadyAnnounced):
        rounds.announce(rt, supervisor, quota=3, **notice)

    with pytest.raises(WindowClosed):  # announced, not yet open
        Story(rt, clock).apply(D(2025, 4, 30), seed=1, jurisdiction="430000")
    first, second = (inspected(rt, clock, D(2025, 5, 6 + n), n, "430000") for n in (1, 2))
    assert first.case.round_year == 2025
    first.act("approve", D(2025, 7, 10), actor=SUPERVISOR)
    with pytest.raises(QuotaReached):
        second.act("approve", D(2025, 7, 10), actor=SUPERVISOR)
    # the daily flow opens and closes announced rounds like fixed ones
    assert [r.applications for r in rounds.close_rounds(rt, 2025, D(2025, 7, 1))
            if r.policy_id == "test-430000"] == [2]
    # a round announced without a quota takes the policy's
    later = rounds.announce(rt, supervisor, quota=None, **{**notice, "year": 2026, "opens_on": D(2026, 5, 6),
                                                          "closes_on": D(2026, 6, 30)})
    assert later.quota == 5


def test_r19_r22_a_case_in_its_public_notice_holds_its_place_in_the_quota(rt, clock):
    """An approval under a public notice does not recognise yet, but it takes the round's place: a
    second approval while the first case's notice runs is refused."""
    notice = {"period": "5wd", "clause": "测试：公示5个工作日", "default": True}
    rt = with_policies(rt, variant("420000", replace={"public_notice": notice}, application_window={
        "opens": "04-01", "closes": "04-30", "quota": 1, **WINDOW_CLAUSE}))
    first, second = (inspected(rt, clock, D(2025, 4, 7 + n), n, "420000") for n in (1, 2))
    assert first.act("approve", D(2025, 5, 20), actor=SUPERVISOR).case.state == "publicized"
    with pytest.raises(QuotaReached):
        second.act("approve", D(2025, 5, 21), actor=SUPERVISOR)
