"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 22:20:51.195523
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('operators',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operators')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_operators_credit_code'))
    )
    op.create_table('bases',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('operator_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('jurisdiction', sa.String(length=6), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], name=op.f('fk_bases_operator_id_operators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bases')),
    sa.UniqueConstraint('operator_id', 'name', name=op.f('uq_bases_operator_id_name'))
    )
    op.create_table('cases',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('base_id', sa.String(length=32), nullable=False),
    sa.Column('operator_code', sa.String(length=18), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('jurisdiction', sa.String(length=6), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.String(length=64), nullable=False),
    sa.Column('policy_version', sa.Integer(), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('last_on', sa.Date(), nullable=False),
    sa.Column('snapshot', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['base_id'], ['bases.id'], name=op.f('fk_cases_base_id_bases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_base_id'), ['base_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_jurisdiction'), ['jurisdiction'], unique=False)
        batch_op.create_index('ix_cases_one_open_per_base', ['base_id', 'level'], unique=True, sqlite_where=sa.text("state IN ('applied', 'inspected', 'recognized', 'assessed', 'rectifying', 'suspended')"), postgresql_where=sa.text("state IN ('applied', 'inspected', 'recognized', 'assessed', 'rectifying', 'suspended')"))
        batch_op.create_index(batch_op.f('ix_cases_operator_code'), ['operator_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_state'), ['state'], unique=False)

    op.create_table('bans',
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('operator_code', sa.String(length=18), nullable=False),
    sa.Column('base_id', sa.String(length=32), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('ground', sa.String(length=32), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_bans_case_id_cases')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_bans'))
    )
    with op.batch_alter_table('bans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bans_base_id'), ['base_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bans_operator_code'), ['operator_code'], unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('act', sa.String(length=40), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('rule', sa.String(length=8), nullable=False),
    sa.Column('policy_id', sa.String(length=64), nullable=False),
    sa.Column('policy_version', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('canonical', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events')),
    sa.UniqueConstraint('case_id', 'seq', name=op.f('uq_case_events_case_id_seq'))
    )
    op.create_table('complaints',
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('complaint_id', sa.String(length=32), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('valid', sa.Boolean(), nullable=True),
    sa.Column('verified_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_complaints_case_id_cases')),
    sa.PrimaryKeyConstraint('case_id', 'complaint_id', name=op.f('pk_complaints'))
    )
    op.create_table('subsidy_instalments',
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_subsidy_instalments_case_id_cases')),
    sa.PrimaryKeyConstraint('case_id', 'number', name=op.f('pk_subsidy_instalments'))
    )
    op.create_table('timers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('key', sa.String(length=24), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('fires_on', sa.Date(), nullable=False),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('fired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_timers_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timers')),
    sa.UniqueConstraint('case_id', 'kind', 'key', name=op.f('uq_timers_case_id_kind_key'))
    )
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.create_index('ix_timers_pending', ['fires_on', 'id'], unique=False, sqlite_where=sa.text('fired_at IS NULL'), postgresql_where=sa.text('fired_at IS NULL'))



def downgrade() -> None:
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_index('ix_timers_pending', sqlite_where=sa.text('fired_at IS NULL'), postgresql_where=sa.text('fired_at IS NULL'))

    op.drop_table('timers')
    op.drop_table('subsidy_instalments')
    op.drop_table('complaints')
    op.drop_table('case_events')
    with op.batch_alter_table('bans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bans_operator_code'))
        batch_op.drop_index(batch_op.f('ix_bans_base_id'))

    op.drop_table('bans')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_state'))
        batch_op.drop_index(batch_op.f('ix_cases_operator_code'))
        batch_op.drop_index('ix_cases_one_open_per_base', sqlite_where=sa.text("state IN ('applied', 'inspected', 'recognized', 'assessed', 'rectifying', 'suspended')"), postgresql_where=sa.text("state IN ('applied', 'inspected', 'recognized', 'assessed', 'rectifying', 'suspended')"))
        batch_op.drop_index(batch_op.f('ix_cases_jurisdiction'))
        batch_op.drop_index(batch_op.f('ix_cases_base_id'))

    op.drop_table('cases')
    op.drop_table('bases')
    op.drop_table('operators')
