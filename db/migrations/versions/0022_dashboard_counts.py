"""Issue 16: counters the dashboard sums over a jurisdiction's range of codes (db/counts.py):
`case_counts`, the cases now by (jurisdiction, state, level), and `year_counts`, the tallies of each
year by figure, grade and ground; two indexes of `case_days`: by date (whether a day is settled) and
the banned cases' last rows (the bans in force on a settled day). The acts keep the counters in
their own transaction; existing databases are counted here from the rows they stand for (`cases`,
`case_tallies`), as `incubase audit rebuild-figures` counts them again.

Revision ID: 0022
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

BANNED_NOW = "until IS NULL AND ban_first_day IS NOT NULL AND ban_ended_on IS NULL"


def upgrade() -> None:
    op.create_table(
        "case_counts",
        sa.Column("jurisdiction", sa.String(length=6), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("jurisdiction", "state", "level", name=op.f("pk_case_counts")),
    )
    op.create_table(
        "year_counts",
        sa.Column("jurisdiction", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=32), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("jurisdiction", "year", "kind", "value", name=op.f("pk_year_counts")),
    )
    op.create_index("ix_case_days_on", "case_days", ["on"])
    op.create_index("ix_case_days_banned_now", "case_days",
                    ["jurisdiction", "level", "state", "ban_first_day", "ban_last_day"],
                    sqlite_where=sa.text(BANNED_NOW), postgresql_where=sa.text(BANNED_NOW))
    from db.counts import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_case_days_banned_now", table_name="case_days")
    op.drop_index("ix_case_days_on", table_name="case_days")
    op.drop_table("year_counts")
    op.drop_table("case_counts")
