"""The security audit log (services.security_log): one hash chain by seq, append-only."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db import tables as t
from services.values import SECURITY_GENESIS, SecurityEntry, SecurityLogFilter

s = t.security_log.c
# any constant: the one advisory lock of the log's end on PostgreSQL
_LOG_END_LOCK = 0x1B5EC106


class SqlSecurityLogRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def head(self) -> tuple[int, str]:
        # PostgreSQL: two writers chaining at once would read the same head; the transaction-level
        # advisory lock makes the second wait for the first to end. SQLite: a writing transaction
        # holds the database's write lock from its start already (db.engine: BEGIN IMMEDIATE)
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOG_END_LOCK})
        row = self.conn.execute(sa.select(s.seq, s.hash).order_by(s.seq.desc()).limit(1)).first()
        return (row.seq, row.hash) if row else (0, SECURITY_GENESIS)

    def add(self, entry: SecurityEntry) -> None:
        self.conn.execute(t.security_log.insert().values(
            seq=entry.seq, at=entry.at.astimezone(UTC), actor=entry.actor, client=entry.client, action=entry.action,
            subject=entry.subject, result=entry.result, details=dict(entry.details), canonical=entry.canonical,
            prev_hash=entry.prev_hash, hash=entry.hash))

    def latest(self, *, subject: str, actions: Sequence[str], result: str | None = None) -> SecurityEntry | None:
        q = sa.select(t.security_log).where(s.subject == subject, s.action.in_(list(actions)))
        if result is not None:
            q = q.where(s.result == result)
        row = self.conn.execute(q.order_by(s.seq.desc()).limit(1)).mappings().first()
        return _entry(row) if row else None

    def count(self, *, action: str, result: str, after_seq: int, since: datetime, subject: str | None = None,
              client: str | None = None) -> int:
        q = sa.select(sa.func.count()).select_from(t.security_log).where(
            s.action == action, s.result == result, s.seq > after_seq, s.at >= since.astimezone(UTC))
        if subject is not None:
            q = q.where(s.subject == subject)
        if client is not None:
            q = q.where(s.client == client)
        return int(self.conn.execute(q).scalar_one())

    def search(self, query: SecurityLogFilter) -> tuple[list[SecurityEntry], int]:
        where = []
        for column, value in ((s.actor, query.actor), (s.action, query.action), (s.subject, query.subject),
                              (s.client, query.client), (s.result, query.result)):
            if value:
                where.append(column == value)
        if query.since is not None:
            where.append(s.at >= query.since.astimezone(UTC))
        if query.until is not None:
            where.append(s.at < query.until.astimezone(UTC))
        total = self.conn.execute(sa.select(sa.func.count()).select_from(t.security_log).where(*where)).scalar_one()
        rows = self.conn.execute(sa.select(t.security_log).where(*where).order_by(s.seq.desc())
                                 .limit(query.limit).offset(query.offset)).mappings()
        return [_entry(r) for r in rows], int(total)

    def after(self, seq: int, limit: int) -> list[SecurityEntry]:
        rows = self.conn.execute(sa.select(t.security_log).where(s.seq > seq).order_by(s.seq).limit(limit)).mappings()
        return [_entry(r) for r in rows]


def _entry(row) -> SecurityEntry:
    at = row["at"]
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)  # SQLite hands back naive UTC
    return SecurityEntry(row["seq"], at, row["actor"], row["client"], row["action"], row["subject"], row["result"],
                         row["details"], row["prev_hash"], row["canonical"], row["hash"])
