# ruff: noqa: F811  (the fixtures of test_audit, imported by name, are the parameters)
"""Issue 16, R17: `verify --all` compares each stored snapshot with the replay's own encoding and decodes
it only when they differ; what it reports is what decoding every snapshot reported: a snapshot that
differs is named field by field, one that decodes to the replay (an extra key from elsewhere) is not
a finding. Both backends, through the batched reads and `verify_case` alike."""
from __future__ import annotations

import sqlalchemy as sa

from db import tables as t
from services import audit
from tests.integration.test_audit import marks, people, two_cases  # noqa: F401


def rewrite_snapshot(engine, case_id: str, change) -> None:
    with engine.begin() as conn:
        snapshot = conn.execute(sa.select(t.cases.c.snapshot).where(t.cases.c.id == case_id)).scalar_one()
        conn.execute(sa.update(t.cases).where(t.cases.c.id == case_id).values(snapshot=change(dict(snapshot))))


def test_R17_a_snapshot_that_differs_from_the_replay_is_named_by_field(rt, engine, two_cases):
    a, b = two_cases
    rewrite_snapshot(engine, a.case_id, lambda s: {**s, "consecutive_fails": 3, "inspectors": ["someone.else"]})
    reports = {r.case_id: r for r in audit.verify_all(rt)}
    replay = sorted(v.message.split(":")[0] for v in reports[a.case_id].violations if v.check == "replay")
    assert replay == ["consecutive_fails", "inspectors"]
    assert reports[a.case_id] == audit.verify_case(rt, a.case_id)
    assert reports[b.case_id].ok


def test_R17_a_snapshot_that_decodes_to_the_replay_is_no_finding(rt, engine, two_cases):
    a, _ = two_cases
    rewrite_snapshot(engine, a.case_id, lambda s: {**s, "a_key_the_model_does_not_have": 1})
    reports = {r.case_id: r for r in audit.verify_all(rt)}
    assert marks(reports[a.case_id]) == [] and audit.verify_case(rt, a.case_id).ok
