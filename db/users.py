"""Users, dated role grants, token hashes and idempotency answers."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db import tables as t
from db.repository import insert_new
from services.idempotency import StoredAnswer
from services.users import Grant, User
from statemachines.jurisdiction import covers


class SqlUserRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, user_id: str, username: str, display_name: str, now: datetime, email: str | None = None) -> None:
        self.conn.execute(t.users.insert().values(id=user_id, username=username, display_name=display_name,
                                                  email=email, created_at=now))

    def holding(self, role: str, jurisdiction: str) -> list[User]:
        """Users whose live grant of `role` covers the jurisdiction."""
        g = t.role_grants.c
        ids = self.conn.execute(sa.select(g.user_id, g.jurisdiction).where(g.role == role, g.revoked_at.is_(None)))
        wanted = sorted({row.user_id for row in ids if covers(row.jurisdiction, jurisdiction)})
        rows = self.conn.execute(sa.select(t.users).where(t.users.c.id.in_(wanted)).order_by(t.users.c.username))
        return [self._user(row) for row in rows.mappings()]

    def by_username(self, username: str) -> User | None:
        row = self.conn.execute(sa.select(t.users).where(t.users.c.username == username)).mappings().first()
        return self._user(row) if row else None

    def by_token(self, token_hash: str, now: datetime) -> User | None:
        found = self.session(token_hash, now)
        return found[0] if found else None

    def session(self, token_hash: str, now: datetime) -> tuple[User, datetime | None] | None:
        """The user of a live token (not revoked, not expired nor idle past its time-out at `now`)
        with all its grants, and the token's idle expiry, in one statement (every API request asks)."""
        rows = self.conn.execute(_BY_TOKEN, {"token_hash": token_hash, "now": now.astimezone(UTC)}).all()
        if not rows:
            return None
        first = rows[0]
        grants = tuple(_grant(r) for r in rows if r.role is not None)
        return User(first.id, first.username, first.display_name, grants, first.email), _utc(first.idle_expires_at)

    def extend_idle(self, token_hash: str, until: datetime, unless_after: datetime) -> None:
        c = t.api_tokens.c
        self.conn.execute(t.api_tokens.update().where(
            c.token_hash == token_hash, c.revoked_at.is_(None), c.idle_expires_at.is_not(None),
            c.idle_expires_at <= unless_after.astimezone(UTC)).values(idle_expires_at=until.astimezone(UTC)))

    def revoke_sessions(self, user_id: str, now: datetime, keep: str | None = None) -> int:
        c = t.api_tokens.c
        done = self.conn.execute(t.api_tokens.update().where(
            c.user_id == user_id, c.revoked_at.is_(None), c.idle_expires_at.is_not(None),
            c.token_hash != (keep or "")).values(revoked_at=now))
        return done.rowcount

    def all(self) -> list[User]:
        rows = self.conn.execute(sa.select(t.users).order_by(t.users.c.username)).mappings().all()
        return [self._user(r) for r in rows]

    def grant(self, user_id: str, role: str, jurisdiction: str, now: datetime) -> None:
        self.conn.execute(t.role_grants.insert().values(user_id=user_id, role=role, jurisdiction=jurisdiction,
                                                        granted_at=now))

    def revoke_grant(self, user_id: str, role: str, jurisdiction: str, now: datetime) -> bool:
        g = t.role_grants.c
        done = self.conn.execute(t.role_grants.update().where(
            g.user_id == user_id, g.role == role, g.jurisdiction == jurisdiction, g.revoked_at.is_(None)
        ).values(revoked_at=now))
        return done.rowcount > 0

    def add_token(self, user_id: str, token_hash: str, label: str, now: datetime,
                  expires_at: datetime | None = None, idle_expires_at: datetime | None = None) -> None:
        self.conn.execute(t.api_tokens.insert().values(
            token_hash=token_hash, user_id=user_id, label=label, created_at=now,
            expires_at=expires_at.astimezone(UTC) if expires_at else None,
            idle_expires_at=idle_expires_at.astimezone(UTC) if idle_expires_at else None))

    def revoke_token(self, token_hash: str, now: datetime) -> bool:
        c = t.api_tokens.c
        done = self.conn.execute(t.api_tokens.update().where(c.token_hash == token_hash, c.revoked_at.is_(None))
                                 .values(revoked_at=now).returning(c.token_hash))
        return done.first() is not None

    def set_password_hash(self, user_id: str, password_hash: str, changed_at: datetime) -> None:
        self.conn.execute(t.users.update().where(t.users.c.id == user_id).values(
            password_hash=password_hash, password_changed_at=changed_at.astimezone(UTC)))

    def password_hash(self, username: str) -> str | None:
        return self.conn.execute(sa.select(t.users.c.password_hash).where(
            t.users.c.username == username)).scalar_one_or_none()

    def password_changed_at(self, username: str) -> datetime | None:
        return _utc(self.conn.execute(sa.select(t.users.c.password_changed_at).where(
            t.users.c.username == username, t.users.c.password_hash.is_not(None))).scalar_one_or_none())

    def _user(self, row) -> User:
        g = t.role_grants.c
        grants = self.conn.execute(
            sa.select(g.role, g.jurisdiction, g.granted_at, g.revoked_at).where(g.user_id == row["id"]).order_by(g.id)
        )
        return User(row["id"], row["username"], row["display_name"],
                    tuple(_grant(r) for r in grants),
                    row["email"])


class SqlIdempotencyRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, user_id: str, key: str) -> StoredAnswer | None:
        k = t.idempotency_keys.c
        row = self.conn.execute(sa.select(k.fingerprint, k.status, k.body).where(
            k.user_id == user_id, k.key == key)).first()
        return StoredAnswer(row.fingerprint, row.status, row.body) if row else None

    def put(self, user_id: str, key: str, answer: StoredAnswer, now: datetime) -> bool:
        inserted = self.conn.execute(insert_new(self.conn, t.idempotency_keys).values(
            user_id=user_id, key=key, fingerprint=answer.fingerprint, status=answer.status,
            body=answer.body, created_at=now).returning(t.idempotency_keys.c.key)).first()
        return inserted is not None


# built once: a statement object keeps its cache key, so executing it again skips that work too
_BY_TOKEN = (
    sa.select(t.users.c.id, t.users.c.username, t.users.c.display_name, t.users.c.email,
              t.role_grants.c.role, t.role_grants.c.jurisdiction, t.role_grants.c.granted_at,
              t.role_grants.c.revoked_at, t.api_tokens.c.idle_expires_at)
    .select_from(t.api_tokens)
    .join(t.users, t.users.c.id == t.api_tokens.c.user_id)
    .outerjoin(t.role_grants, t.role_grants.c.user_id == t.users.c.id)
    .where(t.api_tokens.c.token_hash == sa.bindparam("token_hash"), t.api_tokens.c.revoked_at.is_(None),
           sa.or_(t.api_tokens.c.expires_at.is_(None), t.api_tokens.c.expires_at > sa.bindparam("now")),
           sa.or_(t.api_tokens.c.idle_expires_at.is_(None), t.api_tokens.c.idle_expires_at > sa.bindparam("now")))
    .order_by(t.role_grants.c.id)
)


def _grant(r) -> Grant:
    return Grant(r.role, r.jurisdiction, _utc(r.granted_at), _utc(r.revoked_at))


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite hands back naive UTC
        return value.replace(tzinfo=UTC)
    return value
