"""Sandbox mode: rbr_test_ keys and sandbox twin partners

Revision ID: faa0c0de000a
Revises: f9a0c0de0009
Create Date: 2026-12-04 17:10:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = 'faa0c0de000a'
down_revision = 'f9a0c0de0009'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
