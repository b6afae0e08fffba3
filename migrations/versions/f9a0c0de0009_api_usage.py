"""API usage per credential and day

Revision ID: f9a0c0de0009
Revises: f8a0c0de0008
Create Date: 2026-12-04 17:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'f9a0c0de0009'
down_revision = 'f8a0c0de0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_usage_daily',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.Column('client_errors', sa.Integer(), nullable=False),
    sa.Column('server_errors', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_api_usage_daily_api_key_id_api_keys'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_usage_daily')),
    sa.UniqueConstraint('api_key_id', 'day', name=op.f('uq_api_usage_daily_api_key_id_day'))
    )
    with op.batch_alter_table('api_usage_daily', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_usage_daily_day'), ['day'], unique=False)


def downgrade():
    with op.batch_alter_table('api_usage_daily', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_usage_daily_day'))
    op.drop_table('api_usage_daily')
