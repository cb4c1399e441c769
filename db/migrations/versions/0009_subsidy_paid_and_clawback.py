"""Subsidy money tied to what happens (R20): what of each instalment is paid (a part payment leaves
it due), and the money a revocation on a clawback ground made owed back.

Cases recorded before this revision paid each instalment in full: their paid instalments get
paid_fen = amount_fen, in the projection and in the stored snapshot, so the snapshot stays equal to
the replay of its events (which now counts what each payment paid) and `audit verify` holds.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("subsidy_instalments",
                  sa.Column("paid_fen", sa.BigInteger(), nullable=False, server_default="0"))
    op.execute("UPDATE subsidy_instalments SET paid_fen = amount_fen WHERE status = 'paid'")
    op.create_table(
        "subsidy_clawbacks",
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("ground", sa.String(length=32), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("owed_fen", sa.BigInteger(), nullable=False),
        sa.Column("repaid_fen", sa.BigInteger(), nullable=False),
        sa.Column("repaid_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_subsidy_clawbacks_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_subsidy_clawbacks")),
    )
    _paid_in_snapshots()


def _paid_in_snapshots() -> None:
    """Each stored snapshot's paid instalments, paid in full, say so (paid_fen)."""
    conn = op.get_bind()
    cases = sa.table("cases", sa.column("id", sa.String), sa.column("snapshot", sa.JSON().with_variant(JSONB(), "postgresql")))
    paid = sa.select(sa.table("subsidy_instalments", sa.column("case_id"), sa.column("status")).c.case_id) \
        .where(sa.text("status = 'paid'")).distinct()
    for case_id, snapshot in conn.execute(sa.select(cases.c.id, cases.c.snapshot).where(cases.c.id.in_(paid))).all():
        for inst in snapshot.get("instalments", ()):
            if inst.get("status") == "paid" and "paid_fen" not in inst:
                inst["paid_fen"] = inst["amount_fen"]
        conn.execute(cases.update().where(cases.c.id == case_id).values(snapshot=snapshot))


def downgrade() -> None:
    op.drop_table("subsidy_clawbacks")
    with op.batch_alter_table("subsidy_instalments") as batch:
        batch.drop_column("paid_fen")
