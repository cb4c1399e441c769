# ruff: noqa: F811  (the fixtures of test_audit, imported by name, are the parameters)
"""Issue 16: the sharded verification flow, run for real by Prefect, finds what `audit verify --all` finds:
the same counts and the same violations in case order, each shard a task over its own key range."""
from __future__ import annotations

from dataclasses import asdict

import pytest

from flows import wiring
from flows.verification import verify_records
from services import audit
from services.grant_audit import verify_grants
from tests.integration.test_audit import people, seq_of, stored_events, two_cases, untriggered, update_row  # noqa: F401

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_issue16_the_sharded_flow_gives_verify_alls_result_with_a_tampered_case(rt, untriggered, two_cases):
    a, b = two_cases
    seq = seq_of(a.events, "inspect")
    original = stored_events(untriggered, a.case_id)[seq - 1]
    update_row(untriggered, a.case_id, seq, payload={**original.payload, "findings": "现场考察未发现问题"})
    whole = audit.Tally.of(audit.verify_all(rt))
    assert whole.bad_cases == 1 and [v.case_id for v in whole.violations] == [a.case_id]

    with wiring.using(rt):
        sharded = verify_records(shards=2)
        chains = verify_records(shards=3, chain_only=True)
    assert sharded["shards"] == 2  # two cases, two disjoint ranges: each a task of its own
    assert (sharded["cases"], sharded["events"], sharded["bad_cases"]) == (whole.cases, whole.events, 1)
    assert sharded["violations"] == [asdict(v) for v in whole.violations]
    assert sharded["grants"] == {"acts": verify_grants(rt).acts, "violations": []}
    assert sharded["counters"] == []  # issue 16: the dashboard's counters, checked with the full check
    # the edited payload is no break of the chain of hashes: only the full check names it
    assert chains["cases"] == 2 and chains["violations"] == [] and "grants" not in chains
    assert "counters" not in chains
