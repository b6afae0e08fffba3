"""federated sign-in: identities, partners' own IdPs, verified e-mail domains

Revision ID: f1a0c0de0001
Revises: e0a1b2c3d4e5
Create Date: 2026-12-04 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'f1a0c0de0001'
down_revision = 'e0a1b2c3d4e5'
branch_labels = None
depends_on = None

ROLES = ('staff_admin', 'staff_reviewer', 'partner_owner', 'partner_billing', 'partner_viewer')


def upgrade():
    op.create_table('federated_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('provider_key', sa.String(length=80), nullable=False),
    sa.Column('email_at_link', sa.String(length=320), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_federated_identities_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federated_identities')),
    sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_federated_identities_issuer_subject'))
    )
    with op.batch_alter_table('federated_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_federated_identities_user_id'), ['user_id'], unique=False)

    op.create_table('partner_identity_providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('client_secret', sa.Text(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('tested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tested_email', sa.String(length=320), nullable=True),
    sa.Column('jit_role', sa.Enum(*ROLES, name='role', native_enum=False, length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'],
                            name=op.f('fk_partner_identity_providers_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_identity_providers')),
    sa.UniqueConstraint('partner_id', name=op.f('uq_partner_identity_providers_partner_id'))
    )

    op.create_table('partner_domains',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=False),
    sa.Column('verified_domain', sa.String(length=253), nullable=True),
    sa.Column('dns_token', sa.String(length=64), nullable=False),
    sa.Column('email_token_hash', sa.String(length=64), nullable=True),
    sa.Column('email_token_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('email_sent_to', sa.String(length=320), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_by', sa.String(length=10), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_domains_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_domains')),
    sa.UniqueConstraint('partner_id', 'domain', name=op.f('uq_partner_domains_partner_id_domain')),
    sa.UniqueConstraint('verified_domain', name=op.f('uq_partner_domains_verified_domain'))
    )
    with op.batch_alter_table('partner_domains', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_domains_partner_id'), ['partner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('partner_domains', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_domains_partner_id'))
    op.drop_table('partner_domains')
    op.drop_table('partner_identity_providers')
    with op.batch_alter_table('federated_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_federated_identities_user_id'))
    op.drop_table('federated_identities')
