"""Issue 14: the pure pieces of the integrity checks — the hash algorithms (SM3's test vector), the
chain check over either, a correction's well-formedness and its entries (R17)."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from statemachines import audit
from statemachines.corrections import CorrectionRefused, _same, entered_fields, requested
from statemachines.events import GENESIS_HASH, Event, digest, hasher, seal
from statemachines.replay import apply_correction, corrections_in, malformed

AT = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


def event(seq: int, act: str = "submit_annual_report", *, actor: str = "caseworker.wang", payload=None,
          algorithm: str = "sha256", prev: str = GENESIS_HASH) -> Event:
    return seal(Event(case_id="c", seq=seq, act=act, on=date(2025, 3, 1), recorded_at=AT, actor=actor,
                      reason="依规办理", rule="R7", policy_id="p", policy_version=1,
                      payload={"year": 2024} if payload is None else payload, prev_hash=prev,
                      hash_algorithm=algorithm))


def test_sm3_gives_the_gbt_32905_test_vector():
    """GB/T 32905-2016, appendix A.1: SM3("abc")."""
    assert digest("abc", "sm3") == "66c7f0f462eeedd9d1f2d46bdc10e4e2" "4167c4875cf2f7a2297da02b8f4ba8e0"
    assert digest("abc") == digest("abc", "sha256") != digest("abc", "sm3")


def test_an_unknown_algorithm_is_refused():
    with pytest.raises(ValueError, match="unknown hash algorithm 'md5'"):
        hasher("md5")


def test_a_sealed_event_is_hashed_with_its_own_algorithm():
    e = event(1, algorithm="sm3")
    assert e.hash == digest(e.canonical, "sm3") and e.hash_algorithm == "sm3"


@pytest.mark.parametrize("algorithm", ["sha256", "sm3"])
def test_the_chain_check_holds_a_chain_of_either_algorithm(algorithm):
    first = event(1, algorithm=algorithm)
    second = event(2, algorithm=algorithm, prev=first.hash)
    assert audit.check_chain("c", [first, second]) == []
    rows = [("c", e.seq, e.prev_hash, e.canonical, e.hash, e.hash_algorithm) for e in (first, second)]
    assert [(cid, n, v) for cid, n, v in audit.check_chains(rows)] == [("c", 2, [])]


def test_one_chain_one_algorithm():
    first = event(1)
    second = event(2, algorithm="sm3", prev=first.hash)
    expected = "hashed with sm3, the case's chain with sha256"
    assert [v.message for v in audit.check_chain("c", [first, second])] == [expected]
    rows = [("c", e.seq, e.prev_hash, e.canonical, e.hash, e.hash_algorithm) for e in (first, second)]
    [(_, _, violations)] = audit.check_chains(rows)
    assert [v.message for v in violations] == [expected]


@pytest.mark.parametrize("payload, why", [
    ({"corrects": 1, "changes": {"on": "garbage"}}, "is not a date"),
    ({"corrects": 1, "changes": {"payload": []}}, "not an object"),
    ({"corrects": 1, "changes": {"reason": 7}}, "not a text"),
    ({"corrects": 1, "changes": {}}, "are not some of"),
    ({"corrects": 1, "changes": {"act": "reject"}}, "are not some of"),
    ({"corrects": "1", "changes": {"reason": "x"}}, "not the seq of an earlier event"),
    ({"corrects": 5, "changes": {"reason": "x"}}, "not the seq of an earlier event"),
])
def test_a_malformed_correction_is_named_and_left_out_of_the_replay(payload, why):
    assert why in malformed(payload, seq=3)
    fix = event(3, "correct", actor="supervisor.sun", payload=payload)
    assert corrections_in([event(1), event(2), fix]) == {}
    assert "not an object" in malformed("everything", seq=3)


def test_a_well_formed_correction_is_applied():
    payload = {"corrects": 1, "changes": {"on": "2025-02-28", "payload": {"year": 2024}}}
    assert malformed(payload, seq=2) == ""
    assert corrections_in([event(1), event(2, "correct", payload=payload)]) == {1: payload["changes"]}


def test_the_entries_a_correction_may_change_are_the_acts_inputs():
    assert set(entered_fields("record_payment")) == {"number", "amount_fen"}
    assert set(entered_fields("inspect")) == {"outcome", "inspectors", "experts", "findings"}
    assert entered_fields("apply") == {} and entered_fields("instalment_due") == {}


@pytest.mark.parametrize("act, changes, field", [
    ("record_payment", {"payload": {"amount_fen": 10**13}}, "changes.payload.amount_fen"),
    ("record_payment", {"payload": {"amount_fen": True}}, "changes.payload.amount_fen"),
    ("record_payment", {"payload": {"instalments": []}}, "changes.payload.instalments"),
    ("inspect", {"payload": {"outcome": "maybe"}}, "changes.payload.outcome"),
    ("inspect", {"payload": {"inspectors": "zhao"}}, "changes.payload.inspectors"),
    ("verify_complaint", {"payload": {"valid": "yes"}}, "changes.payload.valid"),
    ("submit_annual_report", {"on": "2025-02-30"}, "changes.on"),
    ("submit_annual_report", {"reason": "   "}, "changes.reason"),
    ("apply", {"on": "2025-01-01"}, "changes.on"),
])
def test_a_requested_correction_is_checked_field_by_field(act, changes, field):
    with pytest.raises(CorrectionRefused) as refused:
        requested(event(2, act), changes)
    assert refused.value.field == field and refused.value.rule == "R17"


def test_a_requested_correction_gives_its_date_reason_and_entries():
    asked = requested(event(2, "record_payment", payload={"number": 1, "amount_fen": 5}),
                      {"on": "2025-02-01", "reason": "更正", "payload": {"amount_fen": 6}})
    assert (asked.on, asked.reason, dict(asked.entries)) == (date(2025, 2, 1), "更正", {"amount_fen": 6})


def test_dates_a_calendar_gives_are_compared_only_where_neither_is_provisional():
    fixed = {"deadline": "2026-07-10", "provisional": False, "period": "20wd"}
    assert not _same(fixed, {**fixed, "deadline": "2026-07-11"})
    assert _same({**fixed, "provisional": True}, {**fixed, "deadline": "2026-07-11"})
    assert not _same({**fixed, "provisional": True}, {**fixed, "period": "30wd"})
    assert not _same(True, 1) and _same(None, None)


def test_who_corrects_an_inspection_takes_part_in_it():
    from statemachines.case import Case

    case = Case(id="c", base_id="b", base_name="n", operator_code="x", level="provincial", jurisdiction="520000",
                policy_id="p", policy_version=1, applied_on=date(2025, 1, 1), inspectors=["caseworker.zhao"])
    inspection = event(2, "inspect", payload={"outcome": "pass", "inspectors": ["caseworker.zhao"]})
    fix = event(3, "correct", actor="supervisor.li", payload={"corrects": 2, "changes": {"reason": "x"}})
    apply_correction(case, fix, inspection)
    assert case.inspectors == ["caseworker.zhao", "supervisor.li"] and case.version == 3
    apply_correction(case, event(4, "correct", actor="supervisor.sun", payload={"corrects": 1, "changes": {}}),
                     event(1))
    assert case.inspectors == ["caseworker.zhao", "supervisor.li"] and case.version == 4
