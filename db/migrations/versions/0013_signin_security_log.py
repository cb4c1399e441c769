"""Sign-in hardening and the security audit log (issue 14, level 3): the hash-chained,
append-only security log (UPDATE and DELETE refused as on case_events, migration 0004), TOTP
secrets and hashed recovery codes, the tickets of a sign-in's second step, when each password
was set (expiry), and a session token's idle time-out.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "security_log",
        sa.Column("seq", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("at", Stamp, nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("client", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("details", Json, nullable=False),
        sa.Column("canonical", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_security_log")),
    )
    op.create_index("ix_security_log_subject_at", "security_log", ["subject", "at"])
    op.create_index("ix_security_log_client_at", "security_log", ["client", "at"])
    op.create_index("ix_security_log_at", "security_log", ["at"])
    if op.get_bind().dialect.name == "postgresql":
        # incubase_refuse_change() is migration 0004's
        op.execute("CREATE TRIGGER security_log_append_only BEFORE UPDATE OR DELETE ON security_log "
                   "FOR EACH ROW EXECUTE FUNCTION incubase_refuse_change()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER security_log_no_{verb.lower()} BEFORE {verb} ON security_log "
                       f"BEGIN SELECT RAISE(ABORT, 'security_log is append-only: {verb} refused'); END")

    op.create_table(
        "user_totp",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("confirmed_at", Stamp, nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_totp_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_totp")),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("used_at", Stamp, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users")),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_recovery_codes")),
    )
    op.create_index("ix_recovery_codes_user_id", "recovery_codes", ["user_id"])
    op.create_table(
        "signin_tickets",
        sa.Column("ticket_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("client", sa.String(length=120), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("expires_at", Stamp, nullable=False),
        sa.Column("used_at", Stamp, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_signin_tickets_user_id_users")),
        sa.PrimaryKeyConstraint("ticket_hash", name=op.f("pk_signin_tickets")),
    )
    op.add_column("users", sa.Column("password_changed_at", Stamp, nullable=True))
    # a password set before this revision counts from the upgrade, not as expired at once
    op.execute("UPDATE users SET password_changed_at = CURRENT_TIMESTAMP WHERE password_hash IS NOT NULL")
    op.add_column("api_tokens", sa.Column("idle_expires_at", Stamp, nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of `users` would break the foreign keys
    # of the tables that name it (role_grants, api_tokens)
    op.drop_column("api_tokens", "idle_expires_at")
    op.drop_column("users", "password_changed_at")
    op.drop_table("signin_tickets")
    op.drop_index("ix_recovery_codes_user_id", table_name="recovery_codes")
    op.drop_table("recovery_codes")
    op.drop_table("user_totp")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS security_log_append_only ON security_log")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS security_log_no_{verb}")
    op.drop_index("ix_security_log_at", table_name="security_log")
    op.drop_index("ix_security_log_client_at", table_name="security_log")
    op.drop_index("ix_security_log_subject_at", table_name="security_log")
    op.drop_table("security_log")
