"""Issue 16: indexes for the work queue's counts (db/work_items.py counts), so they are read from an
index alone, not from the table's rows:

- ix_work_items_scope (jurisdiction, due_key) gains kind and window: a province's counts are one
  GROUP BY over its range of codes (the page's reads of a small scope keep using the same range);
- ix_work_items_counts (kind, due_key, window, jurisdiction): the country's counts walk each
  (kind, date group) range up to the cap.

No data changes: the rows are those of migration 0018.

Revision ID: 0020
Revises: 0019
"""
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_work_items_scope", table_name="work_items")
    op.create_index("ix_work_items_scope", "work_items", ["jurisdiction", "due_key", "kind", "window"])
    op.create_index("ix_work_items_counts", "work_items", ["kind", "due_key", "window", "jurisdiction"])


def downgrade() -> None:
    op.drop_index("ix_work_items_counts", table_name="work_items")
    op.drop_index("ix_work_items_scope", table_name="work_items")
    op.create_index("ix_work_items_scope", "work_items", ["jurisdiction", "due_key"])
