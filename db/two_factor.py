"""TOTP secrets, recovery codes (hashes) and sign-in tickets (services.two_factor, services.signin)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db import tables as t
from services.values import SignInTicket, TotpSecret

o, r, k = t.user_totp.c, t.recovery_codes.c, t.signin_tickets.c


class SqlTwoFactorRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def totp(self, user_id: str) -> TotpSecret | None:
        row = self.conn.execute(sa.select(o.secret, o.confirmed_at, o.last_step).where(o.user_id == user_id)).first()
        return TotpSecret(row.secret, row.confirmed_at is not None, row.last_step) if row else None

    def set_totp(self, user_id: str, secret: str, now: datetime) -> None:
        self.conn.execute(t.user_totp.delete().where(o.user_id == user_id, o.confirmed_at.is_(None)))
        self.conn.execute(t.user_totp.insert().values(user_id=user_id, secret=secret, created_at=now))

    def confirm_totp(self, user_id: str, step: int, now: datetime) -> None:
        self.conn.execute(t.user_totp.update().where(o.user_id == user_id).values(confirmed_at=now, last_step=step))

    def use_step(self, user_id: str, step: int) -> bool:
        # one statement: of two requests with the same code, only one moves last_step on
        done = self.conn.execute(t.user_totp.update().where(
            o.user_id == user_id, o.confirmed_at.is_not(None), sa.or_(o.last_step.is_(None), o.last_step < step))
            .values(last_step=step))
        return done.rowcount == 1

    def reset(self, user_id: str) -> bool:
        self.conn.execute(t.recovery_codes.delete().where(r.user_id == user_id))
        return self.conn.execute(t.user_totp.delete().where(o.user_id == user_id)).rowcount > 0

    def replace_recovery_codes(self, user_id: str, code_hashes: Sequence[str], now: datetime) -> None:
        self.conn.execute(t.recovery_codes.delete().where(r.user_id == user_id))
        if code_hashes:
            self.conn.execute(t.recovery_codes.insert(), [
                {"code_hash": h, "user_id": user_id, "created_at": now} for h in code_hashes])

    def use_recovery_code(self, user_id: str, code_hash: str, now: datetime) -> bool:
        done = self.conn.execute(t.recovery_codes.update().where(
            r.user_id == user_id, r.code_hash == code_hash, r.used_at.is_(None)).values(used_at=now))
        return done.rowcount == 1

    def recovery_codes_left(self, user_id: str) -> int:
        return int(self.conn.execute(sa.select(sa.func.count()).select_from(t.recovery_codes).where(
            r.user_id == user_id, r.used_at.is_(None))).scalar_one())

    def add_ticket(self, ticket_hash: str, ticket: SignInTicket, now: datetime) -> None:
        self.conn.execute(t.signin_tickets.insert().values(
            ticket_hash=ticket_hash, user_id=ticket.user_id, stage=ticket.stage, client=ticket.client,
            created_at=now, expires_at=ticket.expires_at.astimezone(UTC)))

    def ticket(self, ticket_hash: str, now: datetime) -> SignInTicket | None:
        row = self.conn.execute(
            sa.select(k.user_id, t.users.c.username, k.stage, k.client, k.expires_at)
            .join(t.users, t.users.c.id == k.user_id)
            .where(k.ticket_hash == ticket_hash, k.used_at.is_(None), k.expires_at > now.astimezone(UTC))).first()
        if row is None:
            return None
        expires = row.expires_at.replace(tzinfo=UTC) if row.expires_at.tzinfo is None else row.expires_at
        return SignInTicket(row.user_id, row.username, row.stage, row.client, expires)

    def use_ticket(self, ticket_hash: str, now: datetime) -> bool:
        done = self.conn.execute(t.signin_tickets.update().where(
            k.ticket_hash == ticket_hash, k.used_at.is_(None), k.expires_at > now.astimezone(UTC))
            .values(used_at=now))
        return done.rowcount == 1
