"""The reminders outbox."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db import tables as t
from db.repository import insert_new
from services.reminders import INBOX, Queued, Reminder
from statemachines.reminders import OVERDUE

r = t.reminders.c


class SqlReminderRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, reminder: Reminder, now: datetime) -> int:
        """Inserts the reminder unless its (timer, step, recipient, channel) is already there."""
        delivered = reminder.channel == INBOX  # the in-app inbox holds it as soon as it exists
        inserted = self.conn.execute(_insert(self.conn), {
            **vars(reminder), "status": "sent" if delivered else "pending", "attempts": 0,
            "next_attempt_at": now, "sent_at": now if delivered else None, "created_at": now}).first()
        return 0 if inserted is None else 1

    def claim(self, now: datetime, limit: int, channels: list[str], stale_before: datetime) -> list[Queued]:
        ready = sa.or_(sa.and_(r.status == "pending", r.next_attempt_at <= now),
                       sa.and_(r.status == "sending", r.claimed_at < stale_before))
        rows = self.conn.execute(
            sa.select(t.reminders).where(ready, r.channel.in_(channels)).order_by(r.next_attempt_at, r.id).limit(limit)
        ).mappings().all()
        claimed = []
        for row in rows:
            # a conditional update, so a row another deliverer claimed meanwhile is skipped
            same_claim = r.claimed_at.is_(None) if row["claimed_at"] is None else r.claimed_at == row["claimed_at"]
            done = self.conn.execute(t.reminders.update().where(
                r.id == row["id"], r.status == row["status"], r.attempts == row["attempts"], same_claim
            ).values(status="sending", claimed_at=now))
            if done.rowcount == 1:
                claimed.append(Queued.of_row({**row, "status": "sending"}))
        return claimed

    def sent(self, reminder_id: int, now: datetime) -> None:
        self.conn.execute(t.reminders.update().where(r.id == reminder_id).values(
            status="sent", sent_at=now, claimed_at=None))

    def failed_attempt(self, reminder_id: int, attempts: int, error: str, retry_at: datetime | None) -> None:
        values = {"attempts": attempts, "last_error": error[:2000], "claimed_at": None}
        if retry_at is None:
            values["status"] = "failed"
        else:
            values.update(status="pending", next_attempt_at=retry_at)
        self.conn.execute(t.reminders.update().where(r.id == reminder_id).values(**values))

    def search(self, *, case_id: str | None = None, status: str | tuple[str, ...] | None = None,
               scopes: tuple[str, ...] | None = None, limit: int | None = 100, offset: int = 0,
               recipient: str | None = None, channel: str | None = None, inbox_order: bool = False) -> list[dict]:
        from statemachines.jurisdiction import prefix

        q = sa.select(t.reminders, t.cases.c.jurisdiction).join(t.cases, t.cases.c.id == r.case_id)
        if case_id is not None:
            q = q.where(r.case_id == case_id)
        if recipient is not None:
            q = q.where(r.recipient == recipient)
        if channel is not None:
            q = q.where(r.channel == channel)
        if isinstance(status, tuple):
            q = q.where(r.status.in_(status))
        elif status is not None:
            q = q.where(r.status == status)
        if scopes is not None:
            q = q.where(sa.or_(sa.false(), *(t.cases.c.jurisdiction.startswith(prefix(s)) for s in scopes)))
        order = ((sa.case((r.step == OVERDUE, 0), else_=1), r.send_on.desc(), r.id.desc()) if inbox_order
                 else (r.send_on, r.id))
        rows = self.conn.execute(q.order_by(*order).limit(limit).offset(offset)).mappings().all()
        return [dict(row) for row in rows]


_inserts: dict[str, sa.Insert] = {}


def _insert(conn: Connection) -> sa.Insert:
    # built once per dialect: a sweep queues reminders for every fired deadline (bench b3).
    # RETURNING, not rowcount: psycopg reports -1 for these inserts
    name = conn.dialect.name
    if name not in _inserts:
        _inserts[name] = insert_new(conn, t.reminders).returning(r.id)
    return _inserts[name]
