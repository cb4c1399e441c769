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


def downgrade() -> None:
    op.drop_index("uq_cases_reference", table_name="cases")
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of cases would break the events' foreign key
    op.drop_column("cases", "reference")
