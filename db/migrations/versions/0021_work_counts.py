"""Issue 16: indexes for the work queue's counts (db/work_items.py counts), so they are read from an
index alone, not from the table's rows:

- ix_work_items_scope (jurisdiction, due_key) gains kind and window: a province's counts are one
  GROUP BY over its range of codes (the page's reads of a small scope keep using the same range);
- ix_work_items_kind_order (rank, due_key, …) includes window and jurisdiction on PostgreSQL: the
  country's counts walk each (kind, date group) range of it up to the cap. (A separate index led by
  kind was tried: the planner took it for the page of one kind, misjudging its rows, and sorted
  208,320 of them: 556 ms instead of a walk in order.)

No data changes: the rows are those of migration 0018.

Revision ID: 0021
Revises: 0020
"""
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_KIND_ORDER = ["rank", "due_key", "base_name", "case_id", "detail"]


def upgrade() -> None:
    op.drop_index("ix_work_items_scope", table_name="work_items")
    op.create_index("ix_work_items_scope", "work_items", ["jurisdiction", "due_key", "kind", "window"])
    op.drop_index("ix_work_items_kind_order", table_name="work_items")
    op.create_index("ix_work_items_kind_order", "work_items", _KIND_ORDER, postgresql_include=["window", "jurisdiction"])


def downgrade() -> None:
    op.drop_index("ix_work_items_kind_order", table_name="work_items")
    op.create_index("ix_work_items_kind_order", "work_items", _KIND_ORDER)
    op.drop_index("ix_work_items_scope", table_name="work_items")
    op.create_index("ix_work_items_scope", "work_items", ["jurisdiction", "due_key"])
