"""OAuth 2.0 client credentials

Revision ID: f8a0c0de0008
Revises: f7a0c0de0007
Create Date: 2026-12-04 17:10:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = 'f8a0c0de0008'
down_revision = 'f7a0c0de0007'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
