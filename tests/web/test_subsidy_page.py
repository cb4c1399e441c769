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
    assert re.search(r"<td>1</td><td>2024年6月14日</td><td class=\"num\">¥180,000.00</td>"
                     r"<td class=\"num\">¥100,000.00</td><td class=\"num\">¥80,000.00</td><td>应支付", page)

    story.act("revoke", date(2024, 9, 2), actor=SUPERVISOR, ground="fraud")
    page = sign_in(CASEWORKER).get(f"/cases/{story.case_id}").text
    assert '<dl class="facts" id="clawback">' in page and "补助资金退回" in page
    assert '<dd class="num" id="clawback-outstanding">¥100,000.00</dd>' in page
    assert 'action="/cases/' + story.case_id + '/acts/record_repayment"' in page
    # a month before the deadline to repay, the queue offers the kind, and lists the case under it
    clock.set_day(date(2024, 11, 20))
    queue = sign_in(CASEWORKER).get("/queue").text
    assert re.search(r'data-kind="clawback"[^>]*>\s*补助资金待退回 <b class="count">1</b>', queue)
    assert f'data-case="{story.case_id}" data-kind="clawback"' in queue


def test_r20_the_queue_offers_money_owed_back_only_where_some_is(sign_in):
    assert 'data-kind="clawback"' not in sign_in(CASEWORKER).get("/queue").text


def _paid_and_owed(rt, clock):
    """A tiered case recognised 2024-06-14 (instalment 1: 18万 due), then revoked for fraud after a payment."""
    story = Story(rt, clock)
    story.apply(date(2024, 4, 8))
    story.act("inspect", date(2024, 5, 16), actor=INSPECTOR, outcome="pass")
    story.act("approve", date(2024, 6, 14), actor=SUPERVISOR, tier="二档")
    story.until(date(2024, 7, 1))
    return story


def test_issue15_the_payment_form_asks_in_yuan_and_records_fen_exactly(rt, clock, sign_in):
    """issue 15: record_payment asked 金额（分）, so 500000 meant as 元 recorded ¥5,000; it asks 金额（元）
    and 100000.50 records 10000050 fen, shown back as ¥100,000.50."""
    story = _paid_and_owed(rt, clock)
    caseworker = sign_in(CASEWORKER)
    page = caseworker.get(f"/cases/{story.case_id}").text
    assert re.search(r'<label for="record_payment-amount_fen">金额（元） \*</label>', page)
    assert "金额（分）" not in page
    assert re.search(r'<input id="record_payment-amount_fen"[^>]*inputmode="decimal"', page)
    answer = caseworker.post(f"/cases/{story.case_id}/acts/record_payment",
                             data={"on": "2024-07-01", "reason": "首期拨付", "number": "1", "amount_fen": "100000.50"})
    assert answer.status_code == 303, answer.text
    instalment = cases.get_case(rt, story.case_id).instalments[0]
    assert (instalment.paid_fen, instalment.outstanding_fen) == (10_000_050, 7_999_950)
    assert story.events[-1].payload["amount_fen"] == 10_000_050
    page = caseworker.get(f"/cases/{story.case_id}").text
    assert '<td class="num">¥100,000.50</td><td class="num">¥79,999.50</td>' in page


@pytest.mark.parametrize(("typed", "message"), [
    ("5000.505", "金额最多保留两位小数（到分）"), ("-5000", "金额不能为负数"),
    ("五千元", "请输入以元为单位的金额，如 5000 或 5000.50"), ("0", "金额须在 0.01 元至 10,000,000,000.00 元之间"),
    ("10000000000.01", "金额须在 0.01 元至 10,000,000,000.00 元之间"),
])
def test_issue15_an_amount_not_in_yuan_is_refused_beside_its_box_and_changes_nothing(rt, clock, sign_in,
                                                                                      typed, message):
    """issue 15: more than two decimals, a negative, garbage and an amount out of range are each refused
    with their own Chinese message next to the amount, and nothing is recorded."""
    story = _paid_and_owed(rt, clock)
    before = len(story.events)
    form = {"on": "2024-07-01", "reason": "首期拨付", "number": "1", "amount_fen": typed}
    answer = sign_in(CASEWORKER).post(f"/cases/{story.case_id}/acts/record_payment", data=form)
    assert answer.status_code == 422
    assert f'<span class="error" id="record_payment-amount_fen-error" data-field="amount_fen">{message}</span>' \
        in answer.text
    assert f'value="{typed}"' in answer.text  # what was typed is kept to correct
    assert len(story.events) == before and cases.get_case(rt, story.case_id).instalments[0].paid_fen == 0


def test_issue15_the_repayment_form_asks_in_yuan_too(rt, clock, sign_in):
    """issue 15: record_repayment takes 元 like record_payment: 2,500.25 paid back is 250025 fen."""
    story = _paid_and_owed(rt, clock)
    story.act("record_payment", date(2024, 7, 1), number=1, amount_fen=10 * WAN)
    story.act("revoke", date(2024, 9, 2), actor=SUPERVISOR, ground="fraud")
    story.until(date(2024, 9, 10))
    caseworker = sign_in(CASEWORKER)
    assert '<label for="record_repayment-amount_fen">金额（元） *</label>' in caseworker.get(
        f"/cases/{story.case_id}").text
    answer = caseworker.post(f"/cases/{story.case_id}/acts/record_repayment",
                             data={"on": "2024-09-10", "reason": "部分退回", "amount_fen": "2,500.25"})
    assert answer.status_code == 303, answer.text
    assert cases.get_case(rt, story.case_id).clawback.repaid_fen == 250_025
    assert 'id="clawback-outstanding">¥97,499.75</dd>' in caseworker.get(f"/cases/{story.case_id}").text


def test_issue15_more_than_is_outstanding_is_refused_in_yuan_not_fen(rt, clock, sign_in):
    """issue 15: the domain counts in fen, and its refusal said "8000000 fen outstanding" on a form filled
    in yuan; the page says the amount still to pay in 元."""
    story = _paid_and_owed(rt, clock)
    form = {"on": "2024-07-01", "reason": "首期拨付", "number": "1", "amount_fen": "180000.01"}
    answer = sign_in(CASEWORKER).post(f"/cases/{story.case_id}/acts/record_payment", data=form)
    assert answer.status_code == 422
    assert ('<span class="error" id="record_payment-amount_fen-error" data-field="amount_fen">'
            '金额180,000.01 元超过第1期尚未结清的180,000.00 元。</span>') in answer.text
    assert "fen" not in answer.text.split('data-field="amount_fen">', 1)[1].split("</span>", 1)[0]
    assert cases.get_case(rt, story.case_id).instalments[0].paid_fen == 0
