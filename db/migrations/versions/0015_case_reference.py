"""Issue 15: the 受理编号 people say, <jurisdiction>-<year>-<nnnn>, recorded by each new application
(its event's payload) and kept in `cases.reference`, unique. Cases applied before this revision have
none: their record is not rewritten.

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("reference", sa.String(40)))
    op.create_index("uq_cases_reference", "cases", ["reference"], unique=True)
    _restore_references()


def _restore_references() -> None:
    """A database downgraded past this revision and upgraded again: the references are in the
    applications' events, which no downgrade removes, so the column is filled from them again."""
    conn = op.get_bind()
    events = sa.table("case_events", sa.column("case_id"), sa.column("act"), sa.column("seq"),
                      sa.column("payload", sa.JSON))
    cases = sa.table("cases", sa.column("id"), sa.column("reference"))
    for case_id, payload in conn.execute(sa.select(events.c.case_id, events.c.payload)
                                         .where(events.c.seq == 1, events.c.act == "apply")):
        if isinstance(payload, dict) and payload.get("reference"):
            conn.execute(cases.update().where(cases.c.id == case_id).values(reference=payload["reference"]))


def downgrade() -> None:
    op.drop_index("uq_cases_reference", table_name="cases")
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of cases would break the events' foreign key
    op.drop_column("cases", "reference")
