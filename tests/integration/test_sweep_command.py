"""`incubase sweep`: catch-up after an outage, never into the future unless time travel is on."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from freezegun import freeze_time
from typer.testing import CliRunner

from cli.main import app
from config import get_settings
from db.migrate import upgrade


@pytest.fixture
def db_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "sweep" / "incubase.db"
    monkeypatch.setenv("INCUBASE_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    upgrade(f"sqlite:///{path}")
    yield path
    get_settings.cache_clear()


@freeze_time(datetime(2026, 11, 22, 4, 0))  # 12:00 in Asia/Shanghai
def test_r16_a_sweep_into_the_future_is_refused_with_one_line(db_file):
    result = CliRunner().invoke(app, ["sweep", "--as-of", "2026-11-23"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == ["error: business date 2026-11-23 is after today (2026-11-22)"]


@freeze_time(datetime(2026, 11, 22, 4, 0))
def test_r16_time_travel_lets_a_demo_sweep_ahead(db_file, monkeypatch):
    monkeypatch.setenv("INCUBASE_TIME_TRAVEL", "true")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["sweep", "--as-of", "2027-01-05"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("swept to 2027-01-05: 0 timer(s) fired")


def test_a_malformed_date_exits_2(db_file):
    result = CliRunner().invoke(app, ["sweep", "--as-of", "2025-02-30"])
    assert result.exit_code == 2
    assert "'2025-02-30' is not a date" in result.stderr


def test_r7_a_catch_up_sweep_fires_what_the_outage_left(db_file):
    runner = CliRunner()
    with freeze_time(datetime(2026, 11, 22, 4, 0)):
        assert runner.invoke(app, ["demo"]).exit_code == 0
        assert runner.invoke(app, ["sweep"]).stdout.startswith("swept to 2026-11-22: 0 timer(s) fired")
    with freeze_time(datetime(2027, 4, 2, 4, 0)):  # no sweep since November: the 2026 reports are late
        result = runner.invoke(app, ["sweep"])
        again = runner.invoke(app, ["sweep"])
    assert result.exit_code == 0, result.output
    fired = int(result.stdout.split(": ")[1].split(" timer")[0])
    assert fired >= 3  # the 2026 reports of the three Guizhou cases in force or suspended, at least
    assert again.stdout.startswith("swept to 2027-04-02: 0 timer(s) fired, 0 event(s)")
