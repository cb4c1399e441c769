"""R3 held by the database for the new open state `publicized` (公示中, R22): the partial unique index
of one open case per base and level names it among the open states.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BEFORE = "state IN ('applied', 'inspected', 'recognized', 'assessed', 'rectifying', 'suspended')"
AFTER = "state IN ('applied', 'inspected', 'publicized', 'recognized', 'assessed', 'rectifying', 'suspended')"


def _index(where: str) -> None:
    op.create_index("ix_cases_one_open_per_base", "cases", ["base_id", "level"], unique=True,
                    sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def upgrade() -> None:
    op.drop_index("ix_cases_one_open_per_base", table_name="cases")
    _index(AFTER)


def downgrade() -> None:
    op.drop_index("ix_cases_one_open_per_base", table_name="cases")
    _index(BEFORE)
