"""API keys self-service: expiry, IP allow-list, restrictions, rotation, last use

Revision ID: f7a0c0de0007
Revises: f6a0c0de0006
Create Date: 2026-12-04 17:10:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = 'f7a0c0de0007'
down_revision = 'f6a0c0de0006'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
