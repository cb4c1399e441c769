"""The auditor's API and command line (R17): state as of a date or a moment, verification,
dossiers, statistics, anchors and corrections — on both backends; the CLI on a SQLite file."""
from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, time
from functools import partial

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from typer.testing import CliRunner

from cli.main import app
from config import get_settings
from db import tables as t
from db.engine import make_engine
from db.migrate import upgrade
from db.uow import SqlUnitOfWork
from services import users
from services.anchors import write_anchor
from services.calendars import default_calendar
from services.runtime import Runtime
from tests.conftest import FakeClock
from tests.policy_variants import scenario_policies
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, Story

D = date
BASE = "贵阳市大学生创业园"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def recognized(rt, clock, seed: int = 1) -> Story:
    s = Story(rt, clock)
    s.recognize(D(2024, 4, 10), D(2024, 5, 10), D(2024, 6, 12), seed=seed, base=BASE)
    s.act("submit_annual_report", D(2025, 3, 10), year=2024)
    return s


def drop_update_trigger(engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TRIGGER case_events_append_only ON case_events")
                     if engine.dialect.name == "postgresql" else sa.text("DROP TRIGGER case_events_no_update"))


@pytest.fixture
def restore_triggers(engine):
    yield
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("DROP TRIGGER IF EXISTS case_events_append_only ON case_events"))
            conn.execute(sa.text("CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events "
                                 "FOR EACH ROW EXECUTE FUNCTION incubase_refuse_change()"))
        else:
            conn.execute(sa.text("DROP TRIGGER IF EXISTS case_events_no_update"))
            conn.execute(sa.text("CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events "
                                 "BEGIN SELECT RAISE(ABORT, 'case_events is append-only: UPDATE refused'); END"))


def tamper_payload(engine, case_id: str, seq: int) -> None:
    with engine.begin() as conn:
        row = conn.execute(sa.select(t.case_events.c.payload).where(
            t.case_events.c.case_id == case_id, t.case_events.c.seq == seq)).scalar_one()
        conn.execute(t.case_events.update().where(t.case_events.c.case_id == case_id, t.case_events.c.seq == seq)
                     .values(payload={**row, "findings": "篡改"}))


# --- state as of -------------------------------------------------------------------------------

def test_R17_state_as_of_a_date_and_as_of_a_recorded_moment(rt, clock, callers):
    s = recognized(rt, clock)
    auditor = callers["auditor.chen"]
    url = f"/api/v1/cases/{s.case_id}/state"

    r = auditor.get(url, params={"as_of": "2024-05-20"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["state"], body["existed"], body["as_of"]) == ("inspected", True, "2024-05-20")
    assert "allowed_actions" not in body

    assert auditor.get(url, params={"as_of": "2024-07-01"}).json()["state"] == "recognized"
    before = auditor.get(url, params={"as_of": "2024-04-01"}).json()
    assert before["existed"] is False and before["state"] is None

    moment = datetime.combine(D(2024, 5, 11), time(9), tzinfo=UTC).isoformat()
    r = auditor.get(url, params={"as_of_recorded": moment})
    assert r.status_code == 200 and r.json()["state"] == "inspected"
    assert r.json()["as_of_recorded"] == moment


def test_R17_state_needs_a_date_or_a_zoned_moment(rt, clock, callers):
    s = recognized(rt, clock)
    auditor = callers["auditor.chen"]
    url = f"/api/v1/cases/{s.case_id}/state"
    assert auditor.get(url).status_code == 422
    naive = auditor.get(url, params={"as_of_recorded": "2024-05-11T09:00:00"})
    assert naive.status_code == 422 and "as_of_recorded" in naive.text
    assert callers["caseworker.hu"].get(url, params={"as_of": "2024-07-01"}).status_code == 404


# --- verify and dossier ------------------------------------------------------------------------

def test_R17_verify_is_ok_then_names_the_tampered_seq(rt, engine, clock, callers, restore_triggers):
    s = recognized(rt, clock)
    auditor = callers["auditor.chen"]
    url = f"/api/v1/cases/{s.case_id}/verify"
    r = auditor.get(url)
    assert r.status_code == 200
    assert r.json() == {"case_id": s.case_id, "ok": True, "events": len(s.events), "violations": []}

    drop_update_trigger(engine)
    tamper_payload(engine, s.case_id, 2)
    body = auditor.get(url).json()
    assert body["ok"] is False
    assert [(v["case_id"], v["seq"], v["check"], v["rule"]) for v in body["violations"]] == \
        [(s.case_id, 2, "chain", "R17")]


def test_R17_dossier_as_json_and_as_xlsx(rt, clock, callers):
    s = recognized(rt, clock)
    auditor = callers["auditor.chen"]
    r = auditor.get(f"/api/v1/cases/{s.case_id}/dossier")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    d = r.json()
    assert d["case"]["base"] == BASE and len(d["events"]) == len(s.events)
    assert all(e["canonical"] for e in d["events"]) and d["verification"]["ok"] is True
    assert "timers" in d and "reminders" in d

    x = auditor.get(f"/api/v1/cases/{s.case_id}/dossier", params={"format": "xlsx"})
    assert x.status_code == 200 and x.headers["content-type"] == XLSX
    assert f'dossier-{s.case_id}.xlsx' in x.headers["content-disposition"]
    book = load_workbook(io.BytesIO(x.content))
    assert book.sheetnames == ["案卷信息", "办理记录", "期限与提醒", "核验"]  # Chinese unless asked (issue 15)
    assert dict(book["案卷信息"].iter_rows(min_row=3, values_only=True))["基地名称"] == BASE


def test_issue15_the_workbooks_are_english_by_lang_or_accept_language_json_unchanged(rt, clock, callers):
    """issue 15: the API's workbooks are in Chinese by default; ?lang=en, or an Accept-Language that
    prefers English, gives English ones; ?lang wins over the header; JSON keeps its codes."""
    s = recognized(rt, clock)
    auditor = callers["auditor.chen"]
    url = f"/api/v1/cases/{s.case_id}/dossier"

    def sheets(**kw) -> list[str]:
        answer = auditor.get(url, params={"format": "xlsx", **kw.pop("params", {})}, **kw)
        assert answer.status_code == 200, answer.text
        return load_workbook(io.BytesIO(answer.content)).sheetnames

    assert sheets(params={"lang": "en"})[0] == "Case"
    assert sheets(headers={"Accept-Language": "en-US,en;q=0.9,zh-CN;q=0.8"})[0] == "Case"
    assert sheets(headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})[0] == "案卷信息"
    assert sheets(headers={"Accept-Language": "fr-FR, en;q=0.2"})[0] == "Case"  # the first of ours it names
    assert sheets(headers={"Accept-Language": "en"}, params={"lang": "zh"})[0] == "案卷信息"
    assert auditor.get(url, params={"format": "xlsx", "lang": "fr"}).status_code == 422
    assert auditor.get(url, params={"lang": "en"}).json()["events"][0]["act"] == "apply"
    stats = auditor.get("/api/v1/stats", params={"jurisdiction": "520000", "year": 2024, "format": "xlsx",
                                                 "lang": "en"})
    assert load_workbook(io.BytesIO(stats.content)).sheetnames == ["Statistics"]


# --- stats, anchors ----------------------------------------------------------------------------

def test_R17_stats_for_the_users_jurisdiction_only(rt, clock, callers):
    recognized(rt, clock)
    r = callers["caseworker.wang"].get("/api/v1/stats", params={"jurisdiction": "520000", "year": 2024})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["cases"], body["recognized"], body["newly_recognized"]) == (1, 1, 1)
    assert callers["auditor.chen"].get("/api/v1/stats", params={"jurisdiction": "520000", "year": 2024}).json() == body
    assert callers["caseworker.hu"].get("/api/v1/stats", params={"jurisdiction": "520000",
                                                                 "year": 2024}).status_code == 403
    x = callers["caseworker.wang"].get("/api/v1/stats", params={"jurisdiction": "520000", "year": 2024,
                                                                "format": "xlsx"})
    assert x.status_code == 200 and x.headers["content-type"] == XLSX


def test_R17_anchors_are_listed_chained(rt, clock, callers):
    s = recognized(rt, clock)
    clock.set_day(D(2025, 3, 11))  # a day is anchored once it has ended (issue 14 #9)
    first, second = write_anchor(rt, D(2024, 6, 12)), write_anchor(rt, D(2025, 3, 10))
    r = callers["auditor.chen"].get("/api/v1/anchors")
    assert r.status_code == 200
    body = r.json()
    assert [(a["day"], a["digest"], a["prev_digest"]) for a in body] == [
        ("2024-06-12", first.digest, "0" * 64), ("2025-03-10", second.digest, first.digest)]
    assert json.loads(body[1]["canonical"])["heads"][0]["case_id"] == s.case_id
    since = callers["auditor.chen"].get("/api/v1/anchors", params={"since": "2025-01-01"}).json()
    assert [a["day"] for a in since] == ["2025-03-10"]


# --- correction --------------------------------------------------------------------------------

def test_R17_correction_by_a_supervisor_and_not_by_a_caseworker(rt, clock, callers):
    s = recognized(rt, clock)
    s.act("record_assessment", D(2026, 6, 1), outcome="fail", grade="不达标")
    seq = s.events[-1].seq
    clock.set_day(D(2026, 6, 5))
    body = {"on": "2026-06-05", "reason": "考核结果录入错误", "corrects": seq,
            "changes": {"payload": {"outcome": "pass", "grade": "达标"}}}
    refused = callers["caseworker.wang"].act(s.case_id, "correct", **body)
    assert refused.status_code == 403
    assert s.events[-1].seq == seq and s.case.state == "rectifying"
    r = callers["supervisor.li"].act(s.case_id, "correct", **body)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "assessed" and r.headers["ETag"] == f'"{seq + 1}"'
    assert s.events[-1].act == "correct" and s.events[seq - 1].payload["outcome"] == "fail"
    assert callers["auditor.chen"].get(f"/api/v1/cases/{s.case_id}/verify").json()["ok"] is True
    # an inconsistent correction is a 422 and writes nothing
    bad = callers["supervisor.sun"].act(s.case_id, "correct", on="2026-06-05", reason="错误", corrects=2,
                                        changes={"payload": {"outcome": "fail"}})
    assert bad.status_code == 422 and s.events[-1].seq == seq + 1


# --- the command line --------------------------------------------------------------------------

@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    path = tmp_path / "cli" / "incubase.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    monkeypatch.setenv("INCUBASE_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = make_engine(url)
    clock = FakeClock(datetime(2022, 1, 1, 2, 0, tzinfo=UTC))
    rt = Runtime(uow=partial(SqlUnitOfWork, engine, clock), clock=clock, policies=scenario_policies(),
                 calendar=default_calendar())
    users.add_user(rt, CASEWORKER, "王芳", [("caseworker", "520000")])
    users.add_user(rt, INSPECTOR, "赵磊", [("caseworker", "520000")])
    users.add_user(rt, SUPERVISOR, "李强", [("supervisor", "520000")])
    a, b = recognized(rt, clock, seed=1), recognized(rt, clock, seed=2)
    yield engine, a.case_id, b.case_id
    engine.dispose()
    get_settings.cache_clear()


def test_issue16_cli_verify_all_names_a_dashboard_counter_that_is_not_its_rows_count(cli_db):
    engine, a, b = cli_db
    runner = CliRunner()
    assert "counters" not in runner.invoke(app, ["audit", "verify", "--all"]).stdout  # sound: as before
    cc = t.case_counts.c
    with engine.begin() as conn:
        conn.execute(t.case_counts.update().where(cc.jurisdiction == "520000").values(n=cc.n + 1))
    result = runner.invoke(app, ["audit", "verify", "--all"])
    assert result.exit_code == 1
    assert ("VIOLATION counters [counter] case_counts 520000/recognized/provincial: 存储 3，按投影行计数 2"
            in result.stdout)
    assert result.stdout.strip().endswith("0 case(s) with violations; the dashboard's counters have violations")
    lines = [json.loads(line) for line in runner.invoke(app, ["audit", "verify", "--all", "--json"]).stdout.splitlines()
             if line.strip()]
    assert (lines[-2]["counters"], lines[-2]["ok"], lines[-1]["grants"]) == (True, False, True)
    runner.invoke(app, ["audit", "rebuild-figures"])
    assert runner.invoke(app, ["audit", "verify", "--all"]).exit_code == 0


def test_R17_cli_audit_verify_export_and_tampering(cli_db, tmp_path):
    engine, a, b = cli_db
    runner = CliRunner()
    result = runner.invoke(app, ["audit", "verify", "--all", "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert {(x["case_id"], x["ok"]) for x in lines[:-1]} == {(a, True), (b, True)}
    assert (lines[-1]["grants"], lines[-1]["ok"], lines[-1]["acts"]) == (True, True, 3)  # issue 14: the ledger too

    one = runner.invoke(app, ["audit", "verify", "--case", a])
    assert one.exit_code == 0 and "all verified" in one.stdout

    out = tmp_path / "dossier.xlsx"
    exported = runner.invoke(app, ["audit", "export", "--case", a, "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    book = load_workbook(out)
    assert book.sheetnames == ["案卷信息", "办理记录", "期限与提醒", "核验"]
    assert dict(book["案卷信息"].iter_rows(min_row=3, values_only=True))["基地名称"] == BASE

    with engine.begin() as conn:
        conn.execute(sa.text("DROP TRIGGER case_events_no_update"))
    tamper_payload(engine, a, 2)
    bad = runner.invoke(app, ["audit", "verify", "--case", a])
    assert bad.exit_code == 1
    assert any(line.startswith(f"VIOLATION case {a} seq 2 R17 [chain]") for line in bad.stdout.splitlines())
    every = runner.invoke(app, ["audit", "verify", "--all"])
    assert every.exit_code == 1 and f"VIOLATION case {a} seq 2" in every.stdout and b not in every.stdout
    as_json = runner.invoke(app, ["audit", "verify", "--all", "--json"])
    assert as_json.exit_code == 1
    lines = [json.loads(x) for x in as_json.stdout.splitlines() if x.strip()]
    assert {x["case_id"]: x["ok"] for x in lines if "case_id" in x} == {a: False, b: True}
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 2
