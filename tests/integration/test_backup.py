"""Backup and recovery (issue 14, level 3): `incubase db backup FILE` copies a running SQLite
database with SQLite's online backup; the restore drill puts the copy in place of a lost database
and proves nothing is lost: every table row for row, `audit verify --all`, `audit anchors --check`
and the security log's chain. PostgreSQL is refused with the pg_dump command to use instead."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from freezegun import freeze_time
from typer.testing import CliRunner

from cli.main import app
from config import get_settings


@pytest.fixture
def use_database(monkeypatch):
    def point_at(url: str) -> None:
        monkeypatch.setenv("INCUBASE_DATABASE_URL", url)
        get_settings.cache_clear()

    yield point_at
    get_settings.cache_clear()


def rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    with sqlite3.connect(path) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}


def cli(*args: str, ok: bool = True):
    result = CliRunner().invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


@freeze_time("2026-11-22 04:00:00")
def test_the_restore_drill_gives_back_every_row_and_every_check_passes(tmp_path, use_database):
    live, copy, restored = tmp_path / "live" / "incubase.db", tmp_path / "backup.db", tmp_path / "new" / "incubase.db"
    use_database(f"sqlite:///{live}")
    cli("db", "upgrade")
    cli("demo")  # six cases, their events and timers, the demo users (the security log's first entries)
    cli("audit", "anchor", "--day", "2026-11-21")
    cli("users", "add", "wang.fang", "--name", "王芳", "--role", "caseworker", "--jurisdiction", "520000")
    done = cli("db", "backup", str(copy))
    assert "backed up sqlite:///" in done.stdout and copy.stat().st_size > 0
    with sqlite3.connect(copy) as conn:  # one file standing on its own: no write-ahead log beside it
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    before = rows(live)
    assert before["case_events"] and before["anchors"] and before["security_log"]

    # the drill: the live database is lost; the copy is put in place of a new one
    restored.parent.mkdir()
    shutil.copy(copy, restored)
    use_database(f"sqlite:///{restored}")
    assert rows(restored) == before  # nothing lost, nothing changed
    assert cli("audit", "verify", "--all").stdout.strip().endswith("all verified")
    assert cli("audit", "anchors", "--check").exit_code == 0
    assert "the chain holds" in cli("audit", "security-log", "--verify").stdout
    assert "export" in cli("audit", "security-log").stdout  # the backup is on the security log


def test_a_backup_never_overwrites_a_file(tmp_path, use_database):
    live, target = tmp_path / "incubase.db", tmp_path / "kept.db"
    use_database(f"sqlite:///{live}")
    cli("db", "upgrade")
    target.write_text("someone's file")
    result = cli("db", "backup", str(target), ok=False)
    assert result.exit_code == 2 and "exists already" in result.output
    assert target.read_text() == "someone's file"


def test_postgresql_is_refused_with_the_pg_dump_command_to_use(tmp_path, use_database):
    use_database("postgresql+psycopg://incubase:secret@db.internal:5433/incubase")
    result = cli("db", "backup", str(tmp_path / "x.dump"), ok=False)
    assert result.exit_code == 2
    assert f"pg_dump --format=custom --file={tmp_path / 'x.dump'} --host=db.internal --port=5433 " \
           "--username=incubase incubase" in result.output
    assert "secret" not in result.output and not (tmp_path / "x.dump").exists()
