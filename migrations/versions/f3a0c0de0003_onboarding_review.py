"""onboarding documents and review history

Revision ID: f3a0c0de0003
Revises: f2a0c0de0002
Create Date: 2026-12-04 12:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f3a0c0de0003'
down_revision = 'f2a0c0de0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('onboarding_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('tax_form', 'insurance', 'licence', name='documentkind', native_enum=False, length=16), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('uploaded_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_onboarding_documents_partner_id_partners')),
    sa.ForeignKeyConstraint(['uploaded_by_user_id'], ['users.id'], name=op.f('fk_onboarding_documents_uploaded_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboarding_documents'))
    )
    with op.batch_alter_table('onboarding_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_documents_partner_id'), ['partner_id'], unique=False)

    op.create_table('onboarding_review_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('submitted', 'changes_requested', 'approved', 'rejected', 'bank_change_requested', 'bank_change_approved', 'bank_change_activated', 'bank_change_rejected', name='revieweventkind', native_enum=False, length=32), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_onboarding_review_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_onboarding_review_events_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboarding_review_events'))
    )
    with op.batch_alter_table('onboarding_review_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_review_events_partner_id'), ['partner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('onboarding_review_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_onboarding_review_events_partner_id'))
    op.drop_table('onboarding_review_events')
    with op.batch_alter_table('onboarding_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_onboarding_documents_partner_id'))
    op.drop_table('onboarding_documents')
