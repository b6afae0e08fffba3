"""API usage per credential and day

Revision ID: f9a0c0de0009
Revises: f8a0c0de0008
Create Date: 2026-12-04 17:10:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = 'f9a0c0de0009'
down_revision = 'f8a0c0de0008'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
