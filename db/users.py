"""Users, the grant ledger (their roles' grants and revocations), token hashes and idempotency answers."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db import tables as t
from db.repository import insert_new
from services.grant_ledger import GENESIS, grants_of
from services.idempotency import StoredAnswer
from services.users import User
from services.values import GrantAct, TokenRecord
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
        rows = self.conn.execute(sa.select(*_ACT_COLUMNS, g.user_id).where(g.role == role).order_by(g.seq)).all()
        wanted = []
        for user_id in dict.fromkeys(r.user_id for r in rows):
            held = grants_of(_act(r) for r in rows if r.user_id == user_id)
            if any(x.revoked_at is None and covers(x.jurisdiction, jurisdiction) for x in held):
                wanted.append(user_id)
        users = self.conn.execute(sa.select(t.users).where(t.users.c.id.in_(wanted)).order_by(t.users.c.username))
        return [self._user(row) for row in users.mappings()]

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
        grants = grants_of(_act(r) for r in rows if r.role is not None)
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

    def grant_head(self) -> tuple[int, str]:
        if self.conn.dialect.name == "postgresql":
            # writers of the ledger wait for each other (readers do not); SQLite's writers already
            # do, each unit of work beginning IMMEDIATE (db.engine)
            self.conn.execute(sa.text("LOCK TABLE role_grants IN SHARE ROW EXCLUSIVE MODE"))
        g = t.role_grants.c
        row = self.conn.execute(sa.select(g.seq, g.hash).order_by(g.seq.desc()).limit(1)).first()
        return (row.seq, row.hash) if row else (0, GENESIS)

    def append_grant(self, act: GrantAct) -> None:
        self.conn.execute(t.role_grants.insert().values(
            seq=act.seq, act=act.act, user_id=act.user_id, role=act.role, jurisdiction=act.jurisdiction,
            recorded_at=act.recorded_at.astimezone(UTC), actor=act.actor, reason=act.reason,
            canonical=act.canonical, prev_hash=act.prev_hash, hash=act.hash))

    def grant_ledger(self) -> list[GrantAct]:
        g = t.role_grants.c
        rows = self.conn.execute(
            sa.select(t.role_grants, t.users.c.username)
            .select_from(t.role_grants.outerjoin(t.users, t.users.c.id == g.user_id))
            .order_by(g.seq, g.id)).mappings()
        return [GrantAct(r["seq"], r["act"], r["user_id"], r["username"] or "", r["role"], r["jurisdiction"],
                         _moment(r["recorded_at"]), r["actor"], r["reason"], r["prev_hash"], r["canonical"], r["hash"])
                for r in rows]

    def tokens_of(self, user_id: str) -> list[TokenRecord]:
        c = t.api_tokens.c
        rows = self.conn.execute(sa.select(t.api_tokens).where(c.user_id == user_id)
                                 .order_by(c.created_at, c.token_hash)).mappings()
        return [TokenRecord(r["token_hash"][:12], r["label"], _moment(r["created_at"]), _utc(r["expires_at"]),
                            _utc(r["idle_expires_at"]), _utc(r["revoked_at"])) for r in rows]

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
        acts = self.conn.execute(sa.select(*_ACT_COLUMNS).where(g.user_id == row["id"]).order_by(g.seq))
        return User(row["id"], row["username"], row["display_name"], grants_of(_act(r) for r in acts), row["email"])


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


# what folding a user's grants needs of each of their acts (services.grant_ledger.grants_of)
_ACT_COLUMNS = (t.role_grants.c.seq, t.role_grants.c.act, t.role_grants.c.role, t.role_grants.c.jurisdiction,
                t.role_grants.c.recorded_at)

# built once: a statement object keeps its cache key, so executing it again skips that work too
_BY_TOKEN = (
    sa.select(t.users.c.id, t.users.c.username, t.users.c.display_name, t.users.c.email, *_ACT_COLUMNS,
              t.api_tokens.c.idle_expires_at)
    .select_from(t.api_tokens)
    .join(t.users, t.users.c.id == t.api_tokens.c.user_id)
    .outerjoin(t.role_grants, t.role_grants.c.user_id == t.users.c.id)
    .where(t.api_tokens.c.token_hash == sa.bindparam("token_hash"), t.api_tokens.c.revoked_at.is_(None),
           sa.or_(t.api_tokens.c.expires_at.is_(None), t.api_tokens.c.expires_at > sa.bindparam("now")),
           sa.or_(t.api_tokens.c.idle_expires_at.is_(None), t.api_tokens.c.idle_expires_at > sa.bindparam("now")))
    .order_by(t.role_grants.c.seq)
)


def _act(r) -> GrantAct:
    """The part of a ledger row the fold reads; the rest is the verifier's (grant_ledger)."""
    return GrantAct(r.seq, r.act, "", "", r.role, r.jurisdiction, _moment(r.recorded_at), "", "", "")


def _moment(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value  # SQLite hands back naive UTC


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else _moment(value)
