"""API v1 conventions: idempotency records, per-partner API rate limit

Revision ID: f6a0c0de0006
Revises: f5a0c0de0005
Create Date: 2026-12-04 12:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'f6a0c0de0006'
down_revision = 'f5a0c0de0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_idempotency_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('request_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('response_body', sa.LargeBinary(), nullable=True),
    sa.Column('response_headers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_api_idempotency_records_api_key_id_api_keys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotency_records')),
    sa.UniqueConstraint('api_key_id', 'idempotency_key', name=op.f('uq_api_idempotency_records_api_key_id_idempotency_key'))
    )
    with op.batch_alter_table('api_idempotency_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_idempotency_records_expires_at'), ['expires_at'], unique=False)
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_rate_limit', sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('api_rate_limit')
    with op.batch_alter_table('api_idempotency_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_idempotency_records_expires_at'))
    op.drop_table('api_idempotency_records')
