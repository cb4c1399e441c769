# ruff: noqa: F811  (the fixtures of test_audit, imported by name, are the parameters)
"""R17 through the fast paths of replay and verification (bench b4, b5): the driver-level event
reader, the streamed chain of `verify --all --chain-only`, and the column check's shortcut must
find exactly what the slow paths found. Both backends.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta, timezone
from functools import partial

import pytest
import sqlalchemy as sa

from db import tables as t
from db.event_reader import chain_links
from db.repository import event_from_row
from services import audit
from services.demo import DEMO
from statemachines.audit import check_chain
from statemachines.events import seal
from tests.integration.test_audit import forge, marks, people, seq_of, stored_events, two_cases, untriggered, update_row  # noqa: F401  # noqa: F401

D = date


def chain_reports(rt, engine) -> dict[str, audit.CaseReport]:
    return {r.case_id: r for r in audit.verify_all(rt, chain_only=True, links=partial(chain_links, engine))}


def per_case_chain_reports(rt) -> dict[str, audit.CaseReport]:
    return {r.case_id: r for r in audit.verify_all(rt, chain_only=True)}


def test_R17_the_driver_reader_gives_the_events_sqlalchemy_gives(rt, engine, two_cases):
    a, b = two_cases
    for case_id in (a.case_id, b.case_id):
        with engine.connect() as conn:
            rows = conn.execute(sa.select(t.case_events).where(t.case_events.c.case_id == case_id)
                                .order_by(t.case_events.c.seq)).mappings().all()
        expected = [event_from_row(r) for r in rows]
        with rt.uow() as uow:
            got = uow.cases.events(case_id)
        assert got == expected and len(got) == len(expected) > 3
        for g, e in zip(got, expected, strict=True):
            assert type(g.on) is date and type(g.payload) is dict and g.recorded_at.tzinfo is not None
            assert g.recorded_at == e.recorded_at and g.payload == e.payload


def test_R17_chain_only_streamed_finds_a_broken_hash_a_broken_link_and_a_gap(rt, untriggered, two_cases):
    a, b = two_cases
    events = stored_events(untriggered, a.case_id)
    inspect, report_seq = seq_of(events, "inspect"), seq_of(events, "submit_annual_report")
    update_row(untriggered, a.case_id, inspect, canonical=events[inspect - 1].canonical.replace("pass", "fail"))
    forge(untriggered, b.case_id, seq_of(stored_events(untriggered, b.case_id), "approve"), rechain=False,
          reason="改写")
    with untriggered.begin() as conn:
        conn.execute(sa.text("DELETE FROM case_events WHERE case_id = :id AND seq = :seq"),
                     {"id": a.case_id, "seq": report_seq})
    b_approve = seq_of(stored_events(untriggered, b.case_id), "approve")
    streamed, per_case = chain_reports(rt, untriggered), per_case_chain_reports(rt)
    assert marks(streamed[a.case_id]) == marks(per_case[a.case_id]) == sorted(
        [(a.case_id, inspect, "chain"), (a.case_id, report_seq + 1, "chain"),
         (a.case_id, report_seq + 1, "sequence")], key=str)
    assert marks(streamed[b.case_id]) == marks(per_case[b.case_id]) == [(b.case_id, b_approve + 1, "chain")]
    assert streamed[a.case_id].events == per_case[a.case_id].events == len(events) - 1
    # the full check finds the same chain violations (and more: the replay of the altered record)
    full = {r.case_id: r for r in audit.verify_all(rt)}
    chain_found = {m for m in marks(full[a.case_id]) if m[2] in ("chain", "sequence")}
    assert chain_found == set(marks(streamed[a.case_id]))


def test_R17_chain_only_leaves_the_stored_columns_to_the_full_check(rt, untriggered, two_cases):
    """The mode's stated scope: a column rewritten alone leaves the hashed record intact."""
    a, b = two_cases
    seq = seq_of(a.events, "inspect")
    original = stored_events(untriggered, a.case_id)[seq - 1]
    update_row(untriggered, a.case_id, seq, payload={**original.payload, "findings": "现场考察未发现问题"})
    assert all(r.ok for r in chain_reports(rt, untriggered).values())
    assert marks({r.case_id: r for r in audit.verify_all(rt)}[a.case_id]) == [(a.case_id, seq, "chain")]


def test_R17_chain_only_streams_every_case_in_id_order_one_without_events_included(rt, untriggered, two_cases):
    a, b = two_cases
    with untriggered.begin() as conn:
        conn.execute(sa.text("DELETE FROM case_events WHERE case_id = :id"), {"id": b.case_id})
    streamed = list(audit.verify_all(rt, chain_only=True, links=partial(chain_links, untriggered)))
    assert [r.case_id for r in streamed] == sorted([a.case_id, b.case_id])
    by_id = {r.case_id: r for r in streamed}
    assert by_id[b.case_id].events == 0 and by_id[b.case_id].ok
    assert by_id[a.case_id].events == len(a.events) and by_id[a.case_id].ok
    # and the stream leaves nothing open: a write right after it goes through
    a.act("submit_annual_report", D(2026, 3, 2), year=2025)
    assert audit.verify_case(rt, a.case_id).ok


@pytest.mark.parametrize("column", ["act", "actor", "reason", "rule", "on", "recorded_at", "policy_version",
                                    "payload", "case_id"])
def test_R17_every_column_that_differs_from_the_hashed_text_is_named(rt, engine, two_cases, column):
    """The comparison's shortcut may only say 'agrees' when the full comparison would."""
    a, _ = two_cases
    events = stored_events(engine, a.case_id)
    target = events[seq_of(events, "inspect") - 1]
    changed = {"act": "approve", "actor": "someone.else", "reason": "改写", "rule": "R5",
               "on": target.on + timedelta(1),
               "recorded_at": target.recorded_at + timedelta(microseconds=1), "policy_version": 2,
               "payload": {**target.payload, "outcome": "fail"}, "case_id": "other"}[column]
    tampered = [replace(e, **{column: changed}) if e.seq == target.seq else e for e in events]
    found = check_chain(a.case_id, tampered)
    assert [(v.seq, v.check) for v in found] == [(target.seq, "chain")]
    named = column if column != "policy_version" else "policy"
    assert found[0].message == f"stored columns differ from what was hashed: {named}"
    assert check_chain(a.case_id, events) == []


def test_R17_the_same_instant_in_another_offset_still_agrees(rt, engine, two_cases):
    a, _ = two_cases
    events = stored_events(engine, a.case_id)
    shanghai = [replace(e, recorded_at=e.recorded_at.astimezone(timezone(timedelta(hours=8)))) for e in events]
    assert shanghai[0].recorded_at.utcoffset() != events[0].recorded_at.utcoffset()
    assert check_chain(a.case_id, shanghai) == []
    resealed = seal(replace(events[0], canonical="", hash=""))
    assert resealed.canonical == events[0].canonical  # the text the shortcut compares is the sealed one


def test_R17_verify_all_chain_only_from_the_command_line(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cli.main import app
    from config import get_settings

    monkeypatch.setenv("INCUBASE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        assert runner.invoke(app, ["demo"]).exit_code == 0
        result = runner.invoke(app, ["audit", "verify", "--all", "--chain-only", "--json"])
        assert result.exit_code == 0, result.output
        lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
        assert len(lines) == len(DEMO) and all('"ok": true' in line for line in lines)
        full = runner.invoke(app, ["audit", "verify", "--all", "--json"])
        assert full.exit_code == 0 and [line for line in full.stdout.splitlines() if line.startswith("{")] == lines
    finally:
        get_settings.cache_clear()
