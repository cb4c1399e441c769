"""R20 over HTTP: a part payment leaves the rest of an instalment due, more than is outstanding is a
422 naming the field, and after a revocation for fraud the case shows what it owes back until
record_repayment brings it to zero."""
from __future__ import annotations

from datetime import date

import pytest

from services.sweep import sweep
from tests.e2e.http import CASES, apply_body, ok, problem
from tests.policy_variants import variant, with_policies

WAN = 1_000_000  # 1万元 in fen
# Guizhou's rules taking part payments and owing back on fraud, in force from a day after Guizhou's
# own so that it governs Guizhou's cases
OWED_BACK = variant("520000", replace={"effective_from": date(2022, 7, 23)}, subsidy={
    "partial_payments": True, "clawback_grounds": ["fraud"], "clawback_within": "3m"})


@pytest.fixture
def rt(rt):
    return with_policies(rt, OWED_BACK)


def test_r20_a_part_payment_and_a_repayment_over_http(rt, clock, callers):
    wang, zhao, li = callers["caseworker.wang"], callers["caseworker.zhao"], callers["supervisor.li"]
    clock.set_day(date(2024, 7, 1))
    cid = ok(wang.post(CASES, json=apply_body()), 201)["id"]
    ok(zhao.act(cid, "inspect", on="2024-05-16", reason="现场考察", outcome="pass"))
    assert ok(li.act(cid, "approve", on="2024-06-14", reason="予以认定"))["policy"]["id"] == OWED_BACK.id
    sweep(rt, date(2024, 7, 1))  # the instalment of the approval day falls due (the flows' sweep)

    case = ok(wang.act(cid, "record_payment", on="2024-07-01", reason="拨付部分补助", number=1,
                       amount_fen=20 * WAN))
    assert [(i["status"], i["paid_fen"], i["outstanding_fen"]) for i in case["instalments"]] == [
        ("due", 20 * WAN, 30 * WAN)]
    too_much = problem(wang.act(cid, "record_payment", on="2024-07-01", reason="拨付", number=1,
                                amount_fen=31 * WAN), 422, "/problems/invalid-act")
    assert too_much["field"] == "amount_fen" and "300,000.00 yuan outstanding" in too_much["detail"]
    assert too_much["outstanding_fen"] == 30 * WAN  # issue 15: the amount as a number, for a client to say in 元

    clock.set_day(date(2024, 9, 30))
    case = ok(li.act(cid, "revoke", on="2024-09-02", reason="申报材料弄虚作假", ground="fraud"))
    assert case["clawback"] == {"ground": "fraud", "since": "2024-09-02", "owed_fen": 20 * WAN, "repaid_fen": 0,
                                "outstanding_fen": 20 * WAN, "repaid_on": None, "due_on": "2024-12-02",
                                "overdue": False}
    assert case["allowed_actions"] == ["record_repayment"]
    assert problem(wang.act(cid, "record_repayment", on="2024-09-10", reason="退回", amount_fen=21 * WAN),
                   422, "/problems/invalid-act")["outstanding_fen"] == 20 * WAN
    case = ok(wang.act(cid, "record_repayment", on="2024-09-10", reason="退回部分补助", amount_fen=5 * WAN))
    assert (case["clawback"]["repaid_fen"], case["clawback"]["outstanding_fen"]) == (5 * WAN, 15 * WAN)
    case = ok(wang.act(cid, "record_repayment", on="2024-09-20", reason="退回剩余补助", amount_fen=15 * WAN))
    assert (case["clawback"]["outstanding_fen"], case["clawback"]["repaid_on"]) == (0, "2024-09-20")
    assert case["allowed_actions"] == [] and not [t for t in case["timers"] if t["kind"] == "clawback"]
    problem(wang.act(cid, "record_repayment", on="2024-09-21", reason="退回", amount_fen=1), 409, "/problems/not-due")
    assert ok(wang.get(f"{CASES}/{cid}/verify"))["ok"]


def test_issue15_the_api_keeps_money_in_fen_and_its_document_says_so(client):
    """issue 15: the forms take 元, the API stays in fen (an integer), and the OpenAPI document says 分
    on every amount it takes or returns."""
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for model in ("RecordPaymentIn", "RecordRepaymentIn"):
        amount = schemas[model]["properties"]["amount_fen"]
        assert amount["type"] == "integer" and "分" in amount["description"], (model, amount)
    for model, fields in (("InstalmentOut", ("amount_fen", "paid_fen", "outstanding_fen")),
                          ("ClawbackOut", ("owed_fen", "repaid_fen", "outstanding_fen"))):
        for name in fields:
            assert "分" in schemas[model]["properties"][name]["description"], (model, name)
