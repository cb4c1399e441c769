"""`incubase` on the command line, against a SQLite file of the test's own."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from freezegun import freeze_time
from typer.testing import CliRunner

from cli.main import app
from config import PROJECT_ROOT, get_settings
from db.migrate import alembic_config

GUIZHOU = PROJECT_ROOT / "policies" / "guizhou-provincial-2022.v1.toml"

# the demo as it stands on 2026-11-22, noon in Guizhou: (case, state, 中文, base)
DEMO_ON_2026_11_22 = [
    ("demo-gy-daxuesheng", "assessed", "考核达标", "贵阳市大学生创业园"),
    ("demo-zy-tuiyi", "suspended", "已暂停", "遵义市退役军人创业孵化基地"),
    ("demo-lps-fanxiang", "revoked", "已撤销", "六盘水市农民工返乡创业园"),
    ("demo-as-kechuang", "applied", "已申报", "安顺市科创孵化基地"),
    ("demo-bj-shuangchuang", "inspected", "已考察", "毕节市双创示范基地"),
    ("demo-sh-yangpu", "recognized", "已认定", "杨浦区创业孵化示范基地"),
    ("demo-fz-gulou", "recognized", "已认定", "福州市鼓楼区创业孵化示范基地"),
    ("demo-ba-xixiang", "assessed", "考核达标", "宝安区西乡创业孵化基地"),
]


@pytest.fixture
def db_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "cli" / "incubase.db"
    monkeypatch.setenv("INCUBASE_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def scalar(path: Path, sql: str):
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchone()[0]


def rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_db_upgrade_creates_the_schema(runner, db_file):
    assert not db_file.exists()
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "is up to date" in result.stdout
    assert str(db_file) in result.stdout
    assert {"alembic_version", "operators", "bases", "cases", "case_events", "timers", "bans",
            "complaints", "subsidy_instalments"} <= tables(db_file)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert scalar(db_file, "SELECT version_num FROM alembic_version") == head

    again = runner.invoke(app, ["db", "upgrade"])   # a second upgrade is a no-op
    assert again.exit_code == 0, again.output
    assert scalar(db_file, "SELECT COUNT(*) FROM alembic_version") == 1


def test_policies_list_shows_every_policy_version(runner, db_file):
    result = runner.invoke(app, ["policies", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(list((PROJECT_ROOT / "policies").glob("*.toml")))
    assert any(line.startswith("guizhou-provincial-2022 v2") and "from 2024-03-26" in line for line in lines)
    assert any(line.startswith("guizhou-provincial-2022 v1") and "520000 provincial" in line
               and "贵州省省级创业孵化示范基地认定与管理" in line for line in lines)
    assert any(line.startswith("shanghai-municipal v1") and "310000 municipal" in line for line in lines)


def test_policies_list_as_json(runner, db_file):
    result = runner.invoke(app, ["policies", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in json.loads(result.stdout) if row["version"] == 1}
    assert {"guizhou-provincial-2022", "shanghai-municipal", "mohrss-national"} <= set(rows)
    assert rows["guizhou-provincial-2022"] == {
        "id": "guizhou-provincial-2022", "version": 1, "jurisdiction": "520000", "level": "provincial",
        "programme": "base", "effective_from": "2022-07-22", "effective_to": None,
        "title": "贵州省省级创业孵化示范基地认定与管理（2022年质量提升实施方案）"}
    assert (rows["shanghai-municipal"]["level"], rows["shanghai-municipal"]["effective_from"]) == (
        "municipal", "2020-01-01")


def test_policies_check_accepts_the_guizhou_file_and_names_our_defaults(runner, db_file, monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    result = runner.invoke(app, ["policies", "check", "policies/guizhou-provincial-2022.v1.toml"])
    assert result.exit_code == 0, result.output
    assert "ok: guizhou-provincial-2022 v1 (520000, provincial)" in result.stdout
    (line,) = [ln for ln in result.stdout.splitlines() if ln.startswith("parameters marked as our defaults")]
    named = line.split(":", 1)[1].strip().split(", ")
    # exactly the sections with `default = true` in the file
    assert named == ["application_window", "annual_report_due", "rectification_period", "reminders"]


@pytest.mark.parametrize(("change", "field"), [
    (('period = "5y"', 'period = "five years"'), "recognition.period"),
    (('jurisdiction = "520000"', 'jurisdiction = "5200"'), "jurisdiction"),
    (("threshold = 3", "threshold = 0"), "complaints.threshold"),
])
def test_policies_check_refuses_a_broken_file_naming_file_and_field(runner, db_file, tmp_path, change, field):
    text = GUIZHOU.read_text(encoding="utf-8")
    old, new = change
    assert text.count(old) == 1
    broken = tmp_path / "broken.v1.toml"
    broken.write_text(text.replace(old, new), encoding="utf-8")

    result = runner.invoke(app, ["policies", "check", str(broken)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert str(broken) in result.stderr
    assert f"{field}:" in result.stderr


def test_policies_check_refuses_a_file_that_is_not_toml(runner, db_file, tmp_path):
    broken = tmp_path / "garbled.toml"
    broken.write_text('id = "x\n', encoding="utf-8")
    result = runner.invoke(app, ["policies", "check", str(broken)])
    assert result.exit_code == 2
    assert str(broken) in result.stderr and "not valid TOML" in result.stderr


@freeze_time("2026-11-22 04:00:00")
def test_demo_loads_eight_cases_of_four_jurisdictions_once(runner, db_file):
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0

    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert lines[0] == "loaded 8 demo case(s)"
    shown = {line.split()[0]: line for line in lines[1:]}
    assert set(shown) == {case for case, *_ in DEMO_ON_2026_11_22}
    for case, state, state_zh, base in DEMO_ON_2026_11_22:
        assert shown[case].split()[1:3] == [state, state_zh], shown[case]
        assert f" {base} " in shown[case]
    assert scalar(db_file, "SELECT COUNT(*) FROM cases") == 8
    # each under its own jurisdiction's policy (R18: Fujian's shown by a municipal document)
    assert {row for row in rows(db_file, "SELECT jurisdiction, policy_id FROM cases")} >= {
        ("350100", "fujian-provincial"), ("440306", "shenzhen-baoan-county"), ("310000", "shanghai-municipal")}
    events = scalar(db_file, "SELECT COUNT(*) FROM case_events")
    assert events == scalar(db_file, "SELECT SUM(version) FROM cases")   # a case's version is its last seq
    assert events > 8 * 3

    second = runner.invoke(app, ["demo"])
    assert second.exit_code == 0, second.output
    assert second.stdout.splitlines()[0] == "loaded 0 demo case(s)"
    assert second.stdout.splitlines()[1:] == lines[1:]
    assert scalar(db_file, "SELECT COUNT(*) FROM case_events") == events
    assert scalar(db_file, "SELECT COUNT(*) FROM cases") == 8


def test_a_token_revoked_on_the_command_line_stops_working(runner, db_file):
    from bootstrap import build_runtime
    from services import users

    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["users", "add", "caseworker.wang", "--name", "王芳", "--role", "caseworker",
                              "--jurisdiction", "520000"]).exit_code == 0
    token = runner.invoke(app, ["tokens", "create", "caseworker.wang"]).output.strip()
    assert users.authenticate(build_runtime(), token).username == "caseworker.wang"
    assert runner.invoke(app, ["tokens", "revoke", token]).exit_code == 0
    with pytest.raises(users.Unauthenticated):
        users.authenticate(build_runtime(), token)
    again = runner.invoke(app, ["tokens", "revoke", token])
    assert again.exit_code == 1 and "no live token" in again.output
