"""OAuth 2.0 client credentials

Revision ID: f8a0c0de0008
Revises: f7a0c0de0007
Create Date: 2026-12-04 17:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'f8a0c0de0008'
down_revision = 'f7a0c0de0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='api_key', nullable=False))
    op.create_table('oauth_access_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('token_hmac', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.String(length=500), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_oauth_access_tokens_api_key_id_api_keys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_access_tokens')),
    sa.UniqueConstraint('token_hmac', name=op.f('uq_oauth_access_tokens_token_hmac'))
    )
    with op.batch_alter_table('oauth_access_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_access_tokens_api_key_id'), ['api_key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oauth_access_tokens_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('oauth_access_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_access_tokens_expires_at'))
        batch_op.drop_index(batch_op.f('ix_oauth_access_tokens_api_key_id'))
    op.drop_table('oauth_access_tokens')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_column('kind')
