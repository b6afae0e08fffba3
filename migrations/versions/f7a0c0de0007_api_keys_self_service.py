"""API keys self-service: expiry, IP allow-list, restrictions, rotation, last use

Revision ID: f7a0c0de0007
Revises: f6a0c0de0006
Create Date: 2026-12-04 17:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'f7a0c0de0007'
down_revision = 'f6a0c0de0006'
branch_labels = None
depends_on = None

# Existing keys keep NULL in every new column: no expiry, no limits, never rotated.
_COLUMNS = (
    ('expires_at', sa.DateTime(timezone=True)),
    ('allowed_networks', sa.JSON()),
    ('allowed_purchase_order_ids', sa.JSON()),
    ('allowed_projects', sa.JSON()),
    ('previous_secret_hmac', sa.String(length=64)),
    ('previous_secret_expires_at', sa.DateTime(timezone=True)),
    ('rotated_at', sa.DateTime(timezone=True)),
    ('last_used_ip', sa.String(length=45)),
    ('expiry_reminder_sent_at', sa.DateTime(timezone=True)),
)


def upgrade():
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        for name, type_ in _COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        batch_op.create_index(batch_op.f('ix_api_keys_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_expires_at'))
        for name, _type in reversed(_COLUMNS):
            batch_op.drop_column(name)
