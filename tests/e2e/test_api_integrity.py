"""Issue 14 #2, #8, #9 and the hash algorithm through the API (the real app, real tokens, both
backends) and the command line (a SQLite file): corrections refused as problems, verification of
the corrected history and of the projections, anchors of ended days only and recomputed heads,
`db upgrade --hash-algorithm`."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime
from functools import partial

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cli.main import app
from config import get_settings
from db.engine import make_engine
from db.migrate import upgrade
from db.uow import SqlUnitOfWork
from services.calendars import default_calendar
from services.runtime import Runtime
from statemachines.events import Event, seal
from statemachines.replay import replay
from statemachines.timers import timers_for
from tests.conftest import SHANGHAI, FakeClock
from tests.e2e import test_api_audit
from tests.e2e.test_api_audit import recognized
from tests.policy_variants import scenario_policies
from tests.story import SUPERVISOR

D = date
PROBLEM = "application/problem+json"
cli_db = test_api_audit.cli_db  # two recognized cases in a SQLite file the command line reads


@pytest.fixture
def paid(rt, clock, callers):
    s = recognized(rt, clock)  # approved 2024-06-12, its instalment found due, a report on 2025-03-10
    s.act("record_payment", D(2025, 3, 11), number=1, amount_fen=50_000_000)
    clock.set_day(D(2025, 3, 12))
    return s


def correction(caller, s, act: str, changes, **body):
    seq = next(e.seq for e in s.events if e.act == act)
    return caller.act(s.case_id, "correct", on="2025-03-12", reason="录入错误", corrects=seq, changes=changes, **body)


def problem(r, status: int, kind: str, field: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["type"] == f"/problems/{kind}", body
    if field is not None:
        assert body["field"] == field, body
    return body


# --- #2 corrections through the API -------------------------------------------------------------

@pytest.mark.parametrize("changes, field", [
    ({"on": "garbage"}, "changes.on"),
    ({"payload": []}, "changes.payload"),
    ({"act": "reject"}, "changes.act"),
    ({"reason": "\u200b\u200b"}, "changes.reason"),  # #7: a reason of invisible characters is none
    ({"reason": "x" * 4001}, "changes.reason"),
])
def test_issue14_2_malformed_changes_are_a_422_problem_not_a_500(paid, callers, changes, field):
    before = paid.events
    problem(correction(callers["supervisor.sun"], paid, "submit_annual_report", changes), 422, "validation", field)
    assert paid.events == before


def test_issue14_2_corrections_the_act_could_not_be_are_422_and_write_nothing(paid, callers):
    sun, before = callers["supervisor.sun"], paid.events
    body = problem(correction(sun, paid, "record_payment", {"payload": {"amount_fen": 999_999_999_999}}), 422,
                   "correction-refused", "changes.payload.amount_fen")
    assert body["rule"] == "R17" and "500,000.00 yuan" in body["detail"]
    period = {"number": 1, "start": "2024-06-12", "end": "2099-12-31"}
    problem(correction(sun, paid, "approve", {"payload": {"period": period}}), 422, "correction-refused",
            "changes.payload.period")
    problem(correction(sun, paid, "submit_annual_report", {"on": "2099-01-01"}), 422, "correction-refused",
            "changes.on")
    assert paid.events == before


def test_issue14_2_a_correction_of_ones_own_act_is_a_four_eyes_403(paid, callers):
    problem(correction(callers["supervisor.li"], paid, "approve", {"reason": "批复理由"}), 403, "four-eyes")


def test_issue14_2_a_legal_correction_is_recorded_and_verifies(paid, callers):
    r = correction(callers["supervisor.sun"], paid, "submit_annual_report", {"on": "2025-03-03"})
    assert r.status_code == 200, r.text
    assert callers["auditor.chen"].get(f"/api/v1/cases/{paid.case_id}/verify").json()["ok"] is True


def test_issue14_2_verify_of_a_history_holding_a_malformed_correction_answers_not_500(rt, paid, callers):
    """Written straight into the record (what an insider could leave), a correction of {"on": "garbage"}
    made the verification raise: its route answered 500."""
    with rt.uow() as uow:
        stored = uow.cases.get(paid.case_id, for_update=True)
        events = uow.cases.events(paid.case_id)
        bad = seal(Event(case_id=paid.case_id, seq=stored.version + 1, act="correct", on=D(2025, 3, 12),
                         recorded_at=rt.clock(), actor="supervisor.sun", reason="更正", rule="R17",
                         policy_id=stored.policy_id, policy_version=stored.policy_version,
                         payload={"corrects": 2, "changes": {"on": "garbage"}}, prev_hash=stored.head_hash))
        case = replay([*events, bad], rt.policies.get)
        policy = rt.policies.get(stored.policy_id, stored.policy_version)
        uow.cases.save(case, stored.version, [bad], timers_for(case, policy, rt.calendar))
        uow.commit()
    r = callers["auditor.chen"].get(f"/api/v1/cases/{paid.case_id}/verify")
    assert r.status_code == 200, r.text
    assert not r.json()["ok"]
    assert [(v["seq"], v["check"]) for v in r.json()["violations"]] == [(bad.seq, "correction")]


# --- #8 projections through the API ------------------------------------------------------------

def test_issue14_8_verify_answers_a_deleted_bans_row(rt, engine, clock, callers):
    s = recognized(rt, clock)
    s.act("suspend", D(2025, 6, 3), actor="supervisor.sun", ground="fraud")
    s.act("revoke", D(2025, 6, 10), actor=SUPERVISOR, ground="fraud")
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM bans WHERE case_id = :id"), {"id": s.case_id})
    body = callers["auditor.chen"].get(f"/api/v1/cases/{s.case_id}/verify").json()
    assert not body["ok"]
    assert [(v["check"], v["message"]) for v in body["violations"]] == [
        ("projection", "bans: no row, the replay has one")]


# --- the command line ---------------------------------------------------------------------------

def test_issue14_8_cli_verify_names_each_projection_tamper(cli_db):
    engine, a, b = cli_db
    runner = CliRunner()
    assert runner.invoke(app, ["audit", "verify", "--all"]).exit_code == 0
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE cases SET state = 'withdrawn' WHERE id = :id"), {"id": a})
        conn.execute(sa.text("UPDATE timers SET fired_at = '2026-01-01 00:00:00.000000' "
                             "WHERE case_id = :id AND fired_at IS NULL"), {"id": b})
    every = runner.invoke(app, ["audit", "verify", "--all"])
    assert every.exit_code == 1
    lines = every.stdout.splitlines()
    assert f"VIOLATION case {a} seq None R17 [projection] cases.state: stored 'withdrawn', replay gives " \
           "'recognized'" in lines
    assert any(line.startswith(f"VIOLATION case {b} seq None R17 [projection] timer annual_report:2025: marked "
                               "fired") for line in lines)
    # --chain-only checks the chain alone: the events were not touched
    assert runner.invoke(app, ["audit", "verify", "--all", "--chain-only"]).exit_code == 0


def test_issue14_9_cli_refuses_to_anchor_a_day_to_come_or_today(cli_db):
    runner = CliRunner()
    future = runner.invoke(app, ["audit", "anchor", "--day", "2099-01-01"])
    assert future.exit_code == 1 and "2099-01-01 is still to come" in future.stderr
    today = datetime.now(UTC).astimezone(SHANGHAI).date()  # the command line's own clock
    now = runner.invoke(app, ["audit", "anchor", "--day", today.isoformat()])
    assert now.exit_code == 1 and "has not ended yet" in now.stderr
    assert runner.invoke(app, ["audit", "anchors"]).stdout == ""


def test_issue14_9_cli_anchors_check_recomputes_the_anchored_heads(cli_db):
    engine, a, b = cli_db
    runner = CliRunner()
    written = runner.invoke(app, ["audit", "anchor", "--day", "2025-03-10"])
    assert written.exit_code == 0, written.output
    assert runner.invoke(app, ["audit", "anchors", "--check"]).exit_code == 0
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TRIGGER case_events_no_update"))
        head = conn.execute(sa.text("SELECT seq, canonical FROM case_events WHERE case_id = :id ORDER BY seq DESC "
                                    "LIMIT 1"), {"id": a}).one()
        conn.execute(sa.text("UPDATE case_events SET canonical = :text WHERE case_id = :id AND seq = :seq"),
                     {"text": head.canonical.replace('"year":2024', '"year":2023'), "id": a, "seq": head.seq})
    checked = runner.invoke(app, ["audit", "anchors", "--check"])
    assert checked.exit_code == 1
    assert f"ANCHOR 2025-03-10 case {a} seq {head.seq}: the history up to the event anchored then no longer " \
           "chains" in checked.stdout.splitlines()


def test_issue14_cli_db_upgrade_chooses_sm3_once(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'sm3' / 'incubase.db'}"
    monkeypatch.setenv("INCUBASE_DATABASE_URL", url)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        created = runner.invoke(app, ["db", "upgrade", "--hash-algorithm", "sm3"])
        assert created.exit_code == 0, created.output
        again = runner.invoke(app, ["db", "upgrade", "--hash-algorithm", "sha256"])
        assert again.exit_code == 2 and "created with the hash algorithm sm3" in again.stderr
        assert runner.invoke(app, ["db", "upgrade", "--hash-algorithm", "md5"]).exit_code == 2
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        # acts recorded there are hashed with SM3, and the command line verifies them, chain-only too
        engine = make_engine(url)
        clock = FakeClock(datetime(2022, 1, 1, 2, 0, tzinfo=UTC))
        rt = Runtime(uow=partial(SqlUnitOfWork, engine, clock), clock=clock, policies=scenario_policies(),
                     calendar=default_calendar())
        test_api_audit.users.add_user(rt, "caseworker.wang", "王芳", [("caseworker", "520000")])
        test_api_audit.users.add_user(rt, "caseworker.zhao", "赵磊", [("caseworker", "520000")])
        test_api_audit.users.add_user(rt, SUPERVISOR, "李强", [("supervisor", "520000")])
        s = recognized(rt, clock)
        assert {e.hash_algorithm for e in s.events} == {"sm3"}
        for args in (["audit", "verify", "--all", "--json"], ["audit", "verify", "--all", "--chain-only"]):
            done = runner.invoke(app, args)
            assert done.exit_code == 0, done.output
        assert json.loads(runner.invoke(app, ["audit", "verify", "--case", s.case_id, "--json"]).stdout)["ok"]
        engine.dispose()
    finally:
        get_settings.cache_clear()


def test_issue14_upgrade_without_a_choice_keeps_sha256(tmp_path):
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT hash_algorithm FROM deployment")).scalar_one() == "sha256"
    engine.dispose()
