"""R20 on the case page: the approval form asks for the policy's tier (its names as the policy writes
them), the case shows the tier and each instalment's paid and outstanding money, and after a
revocation for fraud what is owed back, with the form to record a repayment."""
from __future__ import annotations

import re
from datetime import date

import pytest

from services import cases
from tests.policy_variants import variant, with_policies
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, Story

WAN = 1_000_000
TIERED = variant("520000", replace={"effective_from": date(2022, 7, 23)}, subsidy={
    "partial_payments": True, "clawback_grounds": ["fraud"], "clawback_within": "3m",
    "tiers": [{"name": "一档", "amount_fen": 50 * WAN, "criterion": "在孵企业50户以上"},
              {"name": "二档", "amount_fen": 30 * WAN, "criterion": "在孵企业30户以上"}],
    "instalments": [{"after": "0d", "amount_fen": 30 * WAN}, {"after": "2y", "amount_fen": 20 * WAN}]})


@pytest.fixture
def rt(rt):
    return with_policies(rt, TIERED)


def test_r20_the_page_asks_for_the_tier_and_shows_the_money_paid_owed_and_owed_back(rt, clock, sign_in):
    story = Story(rt, clock)
    story.apply(date(2024, 4, 8))
    story.act("inspect", date(2024, 5, 16), actor=INSPECTOR, outcome="pass")
    story.until(date(2024, 6, 14))
    supervisor = sign_in(SUPERVISOR)
    page = supervisor.get(f"/cases/{story.case_id}").text
    select = re.search(r'<select id="approve-tier" name="tier".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="([^"]+)"', select) == ["一档", "二档"] and ">二档</option>" in select
    answer = supervisor.post(f"/cases/{story.case_id}/acts/approve",
                             data={"on": "2024-06-14", "reason": "予以认定", "tier": "二档"})
    assert answer.status_code == 303, answer.text
    assert cases.get_case(rt, story.case_id).tier == "二档"

    story.until(date(2024, 6, 14))
    story.act("record_payment", date(2024, 7, 1), number=1, amount_fen=10 * WAN)
    page = sign_in(CASEWORKER).get(f"/cases/{story.case_id}").text
    assert '<strong id="subsidy-tier">二档</strong>' in page
    # instalment 1 of 18万: 10万 paid, 8万 outstanding, still due
    assert re.search(r"<td>1</td><td>2024年6月14日</td><td class=\"num\">180,000.00</td>"
                     r"<td class=\"num\">100,000.00</td><td class=\"num\">80,000.00</td><td>应支付", page)

    story.act("revoke", date(2024, 9, 2), actor=SUPERVISOR, ground="fraud")
    page = sign_in(CASEWORKER).get(f"/cases/{story.case_id}").text
    assert '<dl class="facts" id="clawback">' in page and "补助资金退回" in page
    assert '<dd class="num" id="clawback-outstanding">100,000.00</dd>' in page
    assert 'action="/cases/' + story.case_id + '/acts/record_repayment"' in page
    # a month before the deadline to repay, the queue offers the kind, and lists the case under it
    clock.set_day(date(2024, 11, 20))
    queue = sign_in(CASEWORKER).get("/queue").text
    assert re.search(r'data-kind="clawback"[^>]*>\s*补助资金待退回 <b class="count">1</b>', queue)
    assert f'data-case="{story.case_id}" data-kind="clawback"' in queue


def test_r20_the_queue_offers_money_owed_back_only_where_some_is(sign_in):
    assert 'data-kind="clawback"' not in sign_in(CASEWORKER).get("/queue").text
