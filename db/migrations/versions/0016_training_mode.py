"""Issue 15, training mode: a database records its purpose when it is created, 'production' or
'training', once, in `deployment`; a training database keeps its business dates in `training_days`,
each set later than the one before, append-only like the events.

The purpose is chosen by `incubase db upgrade --training` on a new database (passed here as the
Alembic attributes `purpose`, `fresh` and `training_date`). A database created before this revision
counts as production: the new column's default says so, and asking for training there is refused.

Revision ID: 0016
Revises: 0015
"""
from datetime import date

import sqlalchemy as sa
from alembic import context, op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

PURPOSES = ("production", "training")


def upgrade() -> None:
    attributes = context.config.attributes
    purpose = attributes.get("purpose") or "production"
    if purpose not in PURPOSES:
        raise RuntimeError(f"unknown database purpose {purpose!r}: one of {', '.join(PURPOSES)}")
    if purpose == "training" and not attributes.get("fresh"):
        raise RuntimeError("this database was created before training mode and counts as production: "
                           "a training database is made new, by `incubase db upgrade --training` on an empty one")
    # plain ALTER TABLE, its CHECK inline: SQLite adds no constraint to a table afterwards
    op.execute("ALTER TABLE deployment ADD COLUMN purpose VARCHAR(16) DEFAULT 'production' NOT NULL "
               "CONSTRAINT ck_deployment_known_purpose CHECK (purpose IN ('production', 'training'))")
    days = op.create_table(
        "training_days",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_training_days")),
        sa.UniqueConstraint("business_date", name=op.f("uq_training_days_business_date")),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    if purpose == "training":
        _record_training(days, attributes.get("training_date"), postgres)
    if postgres:
        # incubase_refuse_change() comes from 0004
        op.execute("CREATE TRIGGER training_days_append_only BEFORE UPDATE OR DELETE ON training_days "
                   "FOR EACH ROW EXECUTE FUNCTION incubase_refuse_change()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER training_days_no_{verb.lower()} BEFORE {verb} ON training_days "
                       f"BEGIN SELECT RAISE(ABORT, 'training_days is append-only: {verb} refused'); END")


def _record_training(days: sa.Table, first: date | None, postgres: bool) -> None:
    """The row 0012 wrote moments ago, in this same run, is told its purpose: its append-only trigger
    is lifted for this one update, inside the migration's transaction, and put back."""
    if postgres:
        op.execute("DROP TRIGGER deployment_append_only ON deployment")
    else:
        op.execute("DROP TRIGGER deployment_no_update")
    op.execute("UPDATE deployment SET purpose = 'training' WHERE id = 1")
    if postgres:
        op.execute("CREATE TRIGGER deployment_append_only BEFORE UPDATE OR DELETE ON deployment "
                   "FOR EACH ROW EXECUTE FUNCTION incubase_refuse_change()")
    else:
        op.execute("CREATE TRIGGER deployment_no_update BEFORE UPDATE ON deployment "
                   "BEGIN SELECT RAISE(ABORT, 'deployment is append-only: UPDATE refused'); END")
    if first is not None:
        op.execute(days.insert().values(business_date=first, set_at=sa.func.now(), set_by="db upgrade"))


def downgrade() -> None:
    purpose = op.get_bind().execute(sa.text("SELECT purpose FROM deployment WHERE id = 1")).scalar_one_or_none()
    if purpose == "training":
        # before this revision a database has no purpose and counts as production: practice acts dated in
        # the trainers' future would pass for real ones
        raise RuntimeError("this is a training database: it cannot go back before revision 0016, where it "
                           "would count as production")
    op.drop_table("training_days")  # its triggers go with it
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch copy would drop the append-only triggers
    op.execute("ALTER TABLE deployment DROP COLUMN purpose")
