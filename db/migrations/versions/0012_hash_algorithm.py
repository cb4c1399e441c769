"""The hash algorithm of the chains and anchors (商用密码): a deployment chooses SHA-256 (the default) or
SM3 (GB/T 32905) when its database is created, recorded once in `deployment`; every event and every
anchor records the algorithm it was hashed with.

The choice is made by `incubase db upgrade --hash-algorithm sm3` on a new database (passed here as the
Alembic attribute `hash_algorithm`). A database that already holds events or anchors was hashed with
SHA-256, so it records sha256, and asking for another algorithm there is refused: its chains cannot
change algorithm afterwards. The row is append-only, like the events.

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ALGORITHMS = ("sha256", "sm3")


def _requested() -> str | None:
    requested = context.config.attributes.get("hash_algorithm")
    if requested is not None and requested not in ALGORITHMS:
        raise RuntimeError(f"unknown hash algorithm {requested!r}: one of {', '.join(ALGORITHMS)}")
    return requested


def upgrade() -> None:
    requested = _requested()
    conn = op.get_bind()
    # the grant ledger (0011) is hashed with the deployment's algorithm too: rows of it already
    # written are SHA-256's, as events are
    recorded = conn.execute(sa.text("SELECT (SELECT count(*) FROM case_events) + (SELECT count(*) FROM anchors)"
                                    " + (SELECT count(*) FROM role_grants)"))
    if recorded.scalar_one() and requested not in (None, "sha256"):
        raise RuntimeError(f"this database already holds events or grants hashed with sha256: it cannot be changed "
                           f"to {requested}; the hash algorithm is chosen when a database is created")
    for table in ("case_events", "anchors"):
        op.add_column(table, sa.Column("hash_algorithm", sa.String(length=16), nullable=False,
                                       server_default="sha256"))
    deployment = op.create_table(
        "deployment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hash_algorithm", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_deployment_one_row")),
        sa.CheckConstraint("hash_algorithm IN ('sha256', 'sm3')", name=op.f("ck_deployment_known_algorithm")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment")),
    )
    op.execute(deployment.insert().values(id=1, hash_algorithm=requested or "sha256", created_at=sa.func.now()))
    if conn.dialect.name == "postgresql":
        # incubase_refuse_change() comes from 0004
        op.execute("CREATE TRIGGER deployment_append_only BEFORE UPDATE OR DELETE ON deployment "
                   "FOR EACH ROW EXECUTE FUNCTION incubase_refuse_change()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER deployment_no_{verb.lower()} BEFORE {verb} ON deployment "
                       f"BEGIN SELECT RAISE(ABORT, 'deployment is append-only: {verb} refused'); END")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT count(*) FROM case_events WHERE hash_algorithm <> 'sha256'")).scalar_one():
        raise RuntimeError("events hashed with sm3 are recorded: before this revision they could not be verified")
    op.drop_table("deployment")  # its triggers go with it
    for table in ("case_events", "anchors"):
        # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch copy would drop the append-only triggers
        op.execute(f"ALTER TABLE {table} DROP COLUMN hash_algorithm")
