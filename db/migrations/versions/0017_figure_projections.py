"""Issue 16: the projections the published figures are counted from, so that statistics and the
dashboard are SQL aggregation, not a replay of every case: `case_days` (the case as of each business
day its record names) and `case_tallies` (what each event adds to its year's figures), both derived
from the events alone (statemachines.figures); and an index for the dashboard's state × level grid.

Existing databases are back-filled here, each case replayed once under the shipped policies
(db.figures.backfill, which `incubase audit rebuild-figures` also runs), so an upgraded database
answers the same figures as replaying would.

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_days",
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("jurisdiction", sa.String(length=6), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("ban_first_day", sa.Date(), nullable=True),
        sa.Column("ban_last_day", sa.Date(), nullable=True),
        sa.Column("ban_ended_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_days_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", "on", name=op.f("pk_case_days")),
    )
    op.create_index("ix_case_days_jurisdiction_on", "case_days", ["jurisdiction", "on"],
                    postgresql_include=["until", "level", "state", "ban_first_day", "ban_last_day", "ban_ended_on"])
    op.create_table(
        "case_tallies",
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=6), nullable=False),
        sa.Column("figure", sa.String(length=24), nullable=True),
        sa.Column("grade", sa.String(length=32), nullable=True),
        sa.Column("ground", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_tallies_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", "seq", name=op.f("pk_case_tallies")),
    )
    op.create_index("ix_case_tallies_year_jurisdiction", "case_tallies", ["year", "jurisdiction"],
                    postgresql_include=["figure", "grade", "ground", "on", "case_id"])
    op.create_index("ix_cases_jurisdiction_state_level", "cases", ["jurisdiction", "state", "level"])
    _backfill()


def _backfill() -> None:
    from db.figures import backfill
    from services.policies import default_policies

    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM cases LIMIT 1")).first() is not None:
        backfill(bind, default_policies().get)


def downgrade() -> None:
    op.drop_index("ix_cases_jurisdiction_state_level", table_name="cases")
    op.drop_index("ix_case_tallies_year_jurisdiction", table_name="case_tallies")
    op.drop_table("case_tallies")
    op.drop_index("ix_case_days_jurisdiction_on", table_name="case_days")
    op.drop_table("case_days")
