"""A ban may be permanent (不得再次申报): bans.last_day becomes nullable, NULL meaning no last day.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bans") as batch:
        batch.alter_column("last_day", existing_type=sa.Date(), nullable=True)


def downgrade() -> None:
    # a permanent ban has no last day to go back to; refuse rather than invent one
    if op.get_bind().execute(sa.text("SELECT count(*) FROM bans WHERE last_day IS NULL")).scalar():
        raise RuntimeError("permanent bans are recorded: downgrading would lose them")
    with op.batch_alter_table("bans") as batch:
        batch.alter_column("last_day", existing_type=sa.Date(), nullable=False)
