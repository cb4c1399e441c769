"""Issue 16: the case list and its search read projection columns of `cases` (services.case_listing):
base_name, operator_name, next_due, next_timer and a lower-cased search column, each page an index
range after its keyset cursor. Existing cases are back-filled from their bases, operators and timers
(db.case_listing.backfill), so a migrated database lists what it listed before.

PostgreSQL: a pg_trgm GIN index answers `search_text LIKE '%…%'`; the plain indexes on state and
jurisdiction give way to the composite ones that begin with them.

Revision ID: 0019
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

from db.case_listing import backfill

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# the indexes as this migration made them (db.tables.LIST_INDEXES has since grown: migration 0023)
LIST_INDEXES = {
    "j_applied": ("jurisdiction", "applied_on", "id"), "j_updated": ("jurisdiction", "last_on", "id"),
    "j_next_due": ("jurisdiction", "next_due", "id"), "j_state": ("jurisdiction", "state", "id"),
    "applied": ("applied_on", "id"), "updated": ("last_on", "id"), "next_due": ("next_due", "id"),
    "state": ("state", "id"),
}


def upgrade() -> None:
    op.add_column("cases", sa.Column("base_name", sa.Text, nullable=False, server_default=""))
    op.add_column("cases", sa.Column("operator_name", sa.Text, nullable=False, server_default=""))
    op.add_column("cases", sa.Column("next_due", sa.Date))
    op.add_column("cases", sa.Column("next_timer", sa.String(50)))
    op.add_column("cases", sa.Column("search_text", sa.Text, nullable=False, server_default=""))
    backfill(op.get_bind())
    for name, columns in LIST_INDEXES.items():
        op.create_index(f"ix_cases_list_{name}", "cases", list(columns))
    op.drop_index("ix_cases_state", table_name="cases")
    op.drop_index("ix_cases_jurisdiction", table_name="cases")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index("ix_cases_search_trgm", "cases", ["search_text"], postgresql_using="gin",
                        postgresql_ops={"search_text": "gin_trgm_ops"})


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_cases_search_trgm", table_name="cases")
    op.create_index("ix_cases_jurisdiction", "cases", ["jurisdiction"])
    op.create_index("ix_cases_state", "cases", ["state"])
    for name in LIST_INDEXES:
        op.drop_index(f"ix_cases_list_{name}", table_name="cases")
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of cases would break the events' foreign key
    for column in ("search_text", "next_timer", "next_due", "operator_name", "base_name"):
        op.drop_column("cases", column)
