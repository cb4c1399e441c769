"""R23: programmes. A case records the programme it applied for (its policy's; 'base', the 创业孵化基地
itself, for every case before), and R3's partial unique index becomes one open case per base, level
and programme — a base may be a municipal 创业孵化基地 and apply to a municipal programme chosen
from such bases (Qingdao's 高能级创业孵化园区) at once.

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

OPEN = "state IN ('applied', 'inspected', 'publicized', 'recognized', 'assessed', 'rectifying', 'suspended')"


def _index(*columns: str) -> None:
    op.create_index("ix_cases_one_open_per_base", "cases", list(columns), unique=True,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def upgrade() -> None:
    op.add_column("cases", sa.Column("programme", sa.String(32), nullable=False, server_default="base"))
    op.drop_index("ix_cases_one_open_per_base", table_name="cases")
    _index("base_id", "level", "programme")


def downgrade() -> None:
    op.drop_index("ix_cases_one_open_per_base", table_name="cases")
    _index("base_id", "level")
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of the table would break the events' foreign key
    op.drop_column("cases", "programme")
