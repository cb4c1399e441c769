"""`incubase db backup`: a consistent copy of the SQLite database while the service runs.

SQLite's online backup API (sqlite3.Connection.backup) copies the database page by page under
its own read transaction, the WAL's committed pages included, so the copy is one moment's whole
database even while acts are recorded; copying the file itself could catch a write half-done or
leave the WAL behind. PostgreSQL is backed up with its own tools (pg_dump), which this refuses
to stand in for: `pg_dump_command` says the command.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupRefused(Exception):
    """A backup this command does not make (PostgreSQL), or a target that is there already."""


def backup_sqlite(url: str, target: Path) -> int:
    """Copies the database of the SQLite `url` to `target` (which must not exist); its size in bytes."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        raise BackupRefused(pg_dump_command(url, target))
    if not parsed.database or parsed.database == ":memory:":
        raise BackupRefused("an in-memory database has nothing to back up")
    if target.exists():
        raise BackupRefused(f"{target} exists already: a backup never overwrites a file; choose a new name")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{parsed.database}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            # the copy stands on its own: one file, no WAL beside it
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
    finally:
        source.close()
    return target.stat().st_size


def pg_dump_command(url: str, target: Path) -> str:
    """What to run instead for PostgreSQL (the password is left out: give it in PGPASSWORD or ~/.pgpass)."""
    parsed = make_url(url)
    parts = ["pg_dump", "--format=custom", f"--file={target}"]
    if parsed.host:
        parts.append(f"--host={parsed.host}")
    if parsed.port:
        parts.append(f"--port={parsed.port}")
    if parsed.username:
        parts.append(f"--username={parsed.username}")
    parts.append(parsed.database or "")
    return ("incubase db backup copies SQLite databases only; back up PostgreSQL with its own tool, e.g.\n  "
            + " ".join(parts) + f"\nand restore into a new, empty database with\n  pg_restore --dbname=NEW {target}")
