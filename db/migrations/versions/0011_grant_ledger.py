"""The grant ledger (issue 14): role_grants becomes append-only and hash-chained, one row per act
(a grant or a revocation), and the one `admin` role is split three ways (三员分立).

Each grant recorded before becomes a `grant` act at its granted_at and, if it was revoked, a
`revoke` act at its revoked_at (one for the grants of a role and jurisdiction revoked together);
the acts are chained in the order they happened, recorded by the actor `migration-0011` (the
granter was never recorded). `admin` managed users (README), so it becomes `sysadmin`, the
system administrator; a security administrator (`secadmin`) and an audit administrator
(`auditadmin`) are appointed afterwards at the console (`incubase users grant`). Triggers then
refuse UPDATE and DELETE on role_grants, as 0004 did for case_events. The downgrade folds the
acts back into dated rows, the three administrators' roles into `admin` again.

Revision ID: 0011
Revises: 0010
"""
import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ACTOR = "migration-0011"
REASON = "授权记录于授权账本建立之前，由迁移0011转入（原授权人未记录）"
GENESIS = "0" * 64
ADMIN_ROLES = ("sysadmin", "secadmin", "auditadmin")
Stamp = sa.DateTime(timezone=True)


def _utc(value):
    if value is None:
        return None
    if isinstance(value, str):  # SQLite may hand back the stored text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _canonical(row: dict) -> str:
    # the text services.grant_ledger.seal hashes: sorted keys, no spaces, Chinese as characters
    body = {**row, "recorded_at": row["recorded_at"].isoformat()}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _ledger_table(name: str) -> sa.Table:
    return op.create_table(
        name,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("act", sa.String(length=8), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("jurisdiction", sa.String(length=6), nullable=False),
        sa.Column("recorded_at", Stamp, nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("canonical", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_role_grants_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grants")),
        sa.UniqueConstraint("seq", name=op.f("uq_role_grants_seq")),
    )


def _dated_table(name: str) -> sa.Table:
    return op.create_table(
        name,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("jurisdiction", sa.String(length=6), nullable=False),
        sa.Column("granted_at", Stamp, nullable=False),
        sa.Column("revoked_at", Stamp, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_role_grants_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grants")),
    )


def _replace_table(rows: list[dict], create) -> None:
    """role_grants dropped and created anew (SQLite cannot alter it in place), then `rows` in."""
    op.drop_index(op.f("ix_role_grants_user_id"), table_name="role_grants")
    op.drop_table("role_grants")
    table = create("role_grants")
    op.create_index(op.f("ix_role_grants_user_id"), "role_grants", ["user_id"], unique=False)
    if rows:
        op.bulk_insert(table, rows)


def _protect() -> None:
    if op.get_bind().dialect.name == "postgresql":  # incubase_refuse_change() is 0004's
        op.execute("CREATE TRIGGER role_grants_append_only BEFORE UPDATE OR DELETE ON role_grants "
                   "FOR EACH ROW EXECUTE FUNCTION incubase_refuse_change()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER role_grants_no_{verb.lower()} BEFORE {verb} ON role_grants "
                       f"BEGIN SELECT RAISE(ABORT, 'role_grants is append-only: {verb} refused'); END")


def _unprotect() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS role_grants_append_only ON role_grants")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS role_grants_no_{verb}")


def upgrade() -> None:
    conn = op.get_bind()
    old = conn.execute(sa.text(
        "SELECT g.id, g.user_id, u.username, g.role, g.jurisdiction, g.granted_at, g.revoked_at "
        "FROM role_grants g JOIN users u ON u.id = g.user_id ORDER BY g.id")).mappings().all()
    happened = []  # (when, order, kind, user_id, username, role, jurisdiction)
    revoked = set()
    for r in old:
        role = "sysadmin" if r["role"] == "admin" else r["role"]
        who = (r["user_id"], r["username"], role, r["jurisdiction"])
        happened.append((_utc(r["granted_at"]), r["id"], "grant", *who))
        end = _utc(r["revoked_at"])
        if end is not None and (end, *who) not in revoked:  # revoked together: one act ends them all
            revoked.add((end, *who))
            happened.append((end, r["id"], "revoke", *who))
    rows, prev_hash = [], GENESIS
    for seq, (when, _, kind, user_id, username, role, jurisdiction) in enumerate(sorted(happened), start=1):
        hashed = {"seq": seq, "act": kind, "user_id": user_id, "username": username, "role": role,
                  "jurisdiction": jurisdiction, "recorded_at": when, "actor": ACTOR, "reason": REASON,
                  "prev_hash": prev_hash}
        canonical = _canonical(hashed)
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        rows.append({k: v for k, v in hashed.items() if k != "username"}
                    | {"canonical": canonical, "hash": digest})
        prev_hash = digest
    _replace_table(rows, _ledger_table)
    _protect()


def downgrade() -> None:
    conn = op.get_bind()
    acts = conn.execute(sa.text(
        "SELECT seq, act, user_id, role, jurisdiction, recorded_at FROM role_grants ORDER BY seq")).mappings().all()
    _unprotect()
    grants: list[dict] = []
    for a in acts:
        role = "admin" if a["role"] in ADMIN_ROLES else a["role"]
        key = (a["user_id"], role, a["jurisdiction"])
        if a["act"] == "grant":
            grants.append({"user_id": key[0], "role": role, "jurisdiction": key[2],
                           "granted_at": _utc(a["recorded_at"]), "revoked_at": None})
            continue
        for g in grants:
            if (g["user_id"], g["role"], g["jurisdiction"]) == key and g["revoked_at"] is None:
                g["revoked_at"] = _utc(a["recorded_at"])
    _replace_table(grants, _dated_table)
