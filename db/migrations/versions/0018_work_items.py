"""Issue 16: the work queue's items as a projection, `work_items`, one row per case and item, kept by
each act in its own transaction (services.work_items derives them; `audit verify` checks them). The
queue reads a page of them from an index in its order, after a cursor, instead of every case.

The upgrade back-fills every case's rows from its snapshot and stored timers (db.work_items.rebuild,
the same derivation the writer uses), so a migrated database shows the queue it showed before. On
PostgreSQL the search indexes are trigram ones (the pg_trgm extension).

Revision ID: 0018
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_SEARCHED = ("base_name", "operator_name", "operator_code")


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    if pg:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "work_items",
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id", name="fk_work_items_case_id_cases"),
                  nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("detail", sa.String(64), nullable=False),
        sa.Column("rank", sa.SmallInteger, nullable=False),
        sa.Column("due_on", sa.Date),
        sa.Column("due_key", sa.Date, nullable=False),
        sa.Column("window", sa.String(8), nullable=False),
        sa.Column("jurisdiction", sa.String(6), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("base_name", sa.Text, nullable=False),
        sa.Column("operator_name", sa.Text, nullable=False),
        sa.Column("operator_code", sa.String(18), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "kind", "detail", name="pk_work_items"),
    )
    op.create_index("ix_work_items_order", "work_items", ["due_key", "rank", "base_name", "case_id", "detail"])
    op.create_index("ix_work_items_kind_order", "work_items", ["rank", "due_key", "base_name", "case_id", "detail"])
    op.create_index("ix_work_items_scope", "work_items", ["jurisdiction", "due_key"])
    for column in _SEARCHED:
        op.create_index(f"ix_work_items_{column}_trgm", "work_items", [column],
                        postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})
    from db.work_items import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    for column in _SEARCHED:
        op.drop_index(f"ix_work_items_{column}_trgm", table_name="work_items")
    op.drop_index("ix_work_items_scope", table_name="work_items")
    op.drop_index("ix_work_items_kind_order", table_name="work_items")
    op.drop_index("ix_work_items_order", table_name="work_items")
    op.drop_table("work_items")
