"""Announced application rounds (R19): the quota, who announced the round, when, under which notice
and why.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = ("quota", "announced_by", "announced_at", "document", "reason")


def upgrade() -> None:
    op.add_column("application_rounds", sa.Column("quota", sa.Integer(), nullable=True))
    op.add_column("application_rounds", sa.Column("announced_by", sa.String(length=64), nullable=True))
    op.add_column("application_rounds", sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("application_rounds", sa.Column("document", sa.String(length=100), nullable=True))
    op.add_column("application_rounds", sa.Column("reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("application_rounds") as batch:
        for column in COLUMNS:
            batch.drop_column(column)
