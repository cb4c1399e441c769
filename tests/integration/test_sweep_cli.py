"""`incubase sweep` on a SQLite file of the test's own: catch-up after an outage, never into the future
unless INCUBASE_TIME_TRAVEL is on (R7 timers; R16/R17 business dates)."""
from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import pytest
from freezegun import freeze_time
from typer.testing import CliRunner

from cli.main import app
from config import get_settings
from db.engine import make_engine
from db.migrate import upgrade
from db.uow import SqlUnitOfWork
from services import users
from services.calendars import default_calendar
from services.runtime import Runtime
from tests.conftest import FakeClock
from tests.policy_variants import scenario_policies
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, Story

NOON_2026_11_22 = datetime(2026, 11, 22, 4, 0)  # 12:00 in Asia/Shanghai
OUTAGE_OVER = datetime(2025, 4, 2, 4, 0)  # 2025-04-02, 12:00 in Asia/Shanghai


@pytest.fixture
def db_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "sweep-cli" / "incubase.db"
    for name in ("INCUBASE_TIME_TRAVEL", "INCUBASE_SMTP_HOST", "INCUBASE_WEBHOOK_URL", "INCUBASE_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INCUBASE_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    upgrade(f"sqlite:///{path}")
    yield path
    get_settings.cache_clear()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def recognized(db_file) -> Story:
    """A Guizhou case recognised 2024-06-14 in the file: its grant (2024-06-14) and its 2024 report
    (due 2025-03-31, fired on 04-01) are left for a later sweep."""
    engine = make_engine(f"sqlite:///{db_file}")
    clock = FakeClock(datetime(2024, 4, 1, 2, 0, tzinfo=UTC))
    rt = Runtime(uow=partial(SqlUnitOfWork, engine, clock), clock=clock,
                 policies=scenario_policies(), calendar=default_calendar())
    users.add_user(rt, CASEWORKER, "王芳", [("caseworker", "520000")])
    users.add_user(rt, INSPECTOR, "赵磊", [("caseworker", "520000")])
    users.add_user(rt, SUPERVISOR, "李强", [("supervisor", "520000")])
    story = Story(rt, clock)
    story.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14))
    yield story
    engine.dispose()


def _scalar(path: Path, sql: str, *args):
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, args).fetchone()[0]


def _events(path: Path) -> int:
    return _scalar(path, "SELECT COUNT(*) FROM case_events")


def _unfired(path: Path) -> set[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return set(conn.execute("SELECT kind, key FROM timers WHERE fired_at IS NULL"))


# --- never into the future -------------------------------------------------------------------------

@pytest.mark.parametrize("as_of", ["2026-11-23", "2027-01-05", "2099-12-31"])
@freeze_time(NOON_2026_11_22)
def test_r16_a_sweep_for_a_future_date_exits_1_with_one_line_naming_it(runner, db_file, as_of):
    result = runner.invoke(app, ["sweep", "--as-of", as_of])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ") and as_of in lines[0] and "2026-11-22" in lines[0]
    assert "swept" not in result.stdout
    assert "Traceback" not in result.output


@freeze_time(NOON_2026_11_22)
def test_r16_time_travel_explicitly_off_still_refuses(runner, db_file, monkeypatch):
    monkeypatch.setenv("INCUBASE_TIME_TRAVEL", "false")
    get_settings.cache_clear()
    result = runner.invoke(app, ["sweep", "--as-of", "2026-11-23"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: business date 2026-11-23 is after today (2026-11-22)"


@freeze_time(datetime(2026, 11, 22, 16, 30))  # already 2026-11-23, 00:30 in Asia/Shanghai
def test_r16_today_is_the_business_date_in_shanghai_not_utc(runner, db_file):
    result = runner.invoke(app, ["sweep", "--as-of", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("swept to 2026-11-23: ")
    ahead = runner.invoke(app, ["sweep", "--as-of", "2026-11-24"])
    assert ahead.exit_code == 1
    assert "2026-11-24" in ahead.stderr and "(2026-11-23)" in ahead.stderr


@freeze_time(NOON_2026_11_22)
def test_r16_today_and_past_days_need_no_time_travel(runner, db_file):
    for as_of in ("2026-11-22", "2026-01-01"):
        result = runner.invoke(app, ["sweep", "--as-of", as_of])
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"swept to {as_of}: 0 timer(s) fired, 0 event(s), "
                                        "0 reminder(s) planned, 0 failed")
    plain = runner.invoke(app, ["sweep"])
    assert plain.exit_code == 0 and plain.stdout.startswith("swept to 2026-11-22: ")


def test_r16_a_refused_future_sweep_fires_nothing(runner, recognized, db_file):
    events = _events(db_file)
    assert ("annual_report", "2024") in _unfired(db_file)
    with freeze_time(datetime(2025, 3, 1, 4, 0)):
        result = runner.invoke(app, ["sweep", "--as-of", "2025-04-02"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: business date 2025-04-02 is after today (2025-03-01)"
    assert _events(db_file) == events
    assert ("annual_report", "2024") in _unfired(db_file)


def test_r16_with_time_travel_a_demo_sweeps_ahead_and_fires_what_falls_due(runner, recognized, db_file, monkeypatch):
    monkeypatch.setenv("INCUBASE_TIME_TRAVEL", "true")
    get_settings.cache_clear()
    with freeze_time(datetime(2025, 3, 1, 4, 0)):
        result = runner.invoke(app, ["sweep", "--as-of", "2025-04-02"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("swept to 2025-04-02: 2 timer(s) fired, 2 event(s)")
    assert ("annual_report", "2024") not in _unfired(db_file)


# --- malformed dates -------------------------------------------------------------------------------

# 20250301 and 2025-W09-6 are dates to date.fromisoformat, not to an operator: one spelling, as `incubase dates` takes
@pytest.mark.parametrize("text", ["2025-02-30", "2025-13-01", "tomorrow", "2025/03/01", "20250301", "2025-W09-6"])
def test_a_malformed_date_exits_2_naming_it(runner, db_file, text):
    result = runner.invoke(app, ["sweep", "--as-of", text])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {text!r} is not a date (YYYY-MM-DD)"
    assert result.stdout == ""


def test_a_malformed_date_exits_2_even_with_time_travel(runner, db_file, monkeypatch):
    monkeypatch.setenv("INCUBASE_TIME_TRAVEL", "true")
    get_settings.cache_clear()
    result = runner.invoke(app, ["sweep", "--as-of", "2025-02-30"])
    assert result.exit_code == 2
    assert "'2025-02-30' is not a date" in result.stderr


# --- catch-up ----------------------------------------------------------------------------------------

def test_r7_a_catch_up_sweep_prints_how_many_timers_fired_and_a_second_fires_none(runner, recognized, db_file):
    story = recognized
    before = _events(db_file)
    with freeze_time(OUTAGE_OVER):  # no sweep since the recognition: the grant and the 2024 report wait
        result = runner.invoke(app, ["sweep"])
        again = runner.invoke(app, ["sweep"])
    assert result.exit_code == 0, result.output
    first_line = result.stdout.splitlines()[0]
    assert first_line.startswith("swept to 2025-04-02: 2 timer(s) fired, 2 event(s), ")
    assert first_line.endswith(", 0 failed")
    assert _events(db_file) == before + 2
    assert {act for act, _ in story.system_events()} >= {"instalment_due", "flag_overdue_report"}
    assert ("flag_overdue_report", date(2025, 4, 1)) in story.system_events()
    assert "annual_report_overdue:2024" in story.case.flags
    assert again.exit_code == 0
    assert again.stdout.startswith("swept to 2025-04-02: 0 timer(s) fired, 0 event(s), 0 reminder(s) planned, 0 failed")
    assert _events(db_file) == before + 2
    # the overdue escalation went to the inbox of the supervisor and the caseworker, once
    assert _scalar(db_file, "SELECT COUNT(*) FROM reminders WHERE step = 'overdue' AND channel = 'inbox'") == 2


def test_r7_a_catch_up_sweep_for_a_past_day_fires_only_what_was_due_by_then(runner, recognized, db_file):
    with freeze_time(OUTAGE_OVER):
        result = runner.invoke(app, ["sweep", "--as-of", "2025-03-31"])  # the report is still in time that day
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("swept to 2025-03-31: 1 timer(s) fired, 1 event(s), ")
    assert ("annual_report", "2024") in _unfired(db_file)
    with freeze_time(OUTAGE_OVER):
        then = runner.invoke(app, ["sweep"])
    assert then.stdout.startswith("swept to 2025-04-02: 1 timer(s) fired, 1 event(s), ")
    assert ("annual_report", "2024") not in _unfired(db_file)


def test_r7_the_catch_up_sweep_counts_the_overdue_escalation_it_queued(runner, recognized, db_file):
    with freeze_time(OUTAGE_OVER):
        result = runner.invoke(app, ["sweep"])
    assert result.exit_code == 0, result.output
    queued = _scalar(db_file, "SELECT COUNT(*) FROM reminders WHERE step = 'overdue'")
    assert queued == 2  # the supervisor's and the caseworker's inbox
    # the line an operator reads after an outage says how many reminders this sweep queued
    assert f", {queued} reminder(s) planned, " in result.stdout.splitlines()[0], result.stdout
