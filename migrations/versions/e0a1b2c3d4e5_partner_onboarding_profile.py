"""partner onboarding profile and bank accounts

Revision ID: e0a1b2c3d4e5
Revises: 3a1e5c0f9d21
Create Date: 2026-12-04 11:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e0a1b2c3d4e5'
down_revision = '3a1e5c0f9d21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('draft', 'submitted', 'changes_requested', 'approved', 'rejected', name='partnerstatus', native_enum=False, length=24), server_default='approved', nullable=False))
        batch_op.add_column(sa.Column('country_code', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('tax_id', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('street', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('street2', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('city', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('state_region', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('zip_code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('trades', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('contacts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('terms_accepted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('terms_version', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_partners_tax_id'), ['tax_id'], unique=False)
    op.execute("UPDATE partners SET trades = '[]', contacts = '[]'")
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.alter_column('trades', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('contacts', existing_type=sa.JSON(), nullable=False)

    op.create_table('partner_bank_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'pending', 'active', 'superseded', 'rejected', name='bankaccountstatus', native_enum=False, length=16), nullable=False),
    sa.Column('account_holder', sa.String(length=200), nullable=False),
    sa.Column('bank_name', sa.String(length=200), nullable=True),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('account_number', sa.Text(), nullable=False),
    sa.Column('routing_number', sa.Text(), nullable=True),
    sa.Column('last4', sa.String(length=4), nullable=False),
    sa.Column('requested_by_user_id', sa.Integer(), nullable=True),
    sa.Column('first_approver_id', sa.Integer(), nullable=True),
    sa.Column('second_approver_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('odoo_bank_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_bank_accounts_partner_id_partners')),
    sa.ForeignKeyConstraint(['requested_by_user_id'], ['users.id'], name=op.f('fk_partner_bank_accounts_requested_by_user_id_users')),
    sa.ForeignKeyConstraint(['first_approver_id'], ['users.id'], name=op.f('fk_partner_bank_accounts_first_approver_id_users')),
    sa.ForeignKeyConstraint(['second_approver_id'], ['users.id'], name=op.f('fk_partner_bank_accounts_second_approver_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_bank_accounts'))
    )
    with op.batch_alter_table('partner_bank_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_bank_accounts_partner_id'), ['partner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('partner_bank_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_bank_accounts_partner_id'))
    op.drop_table('partner_bank_accounts')
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partners_tax_id'))
        for column in ('decided_at', 'submitted_at', 'terms_version', 'terms_accepted_at',
                       'contact_phone', 'contact_email', 'contacts', 'trades', 'zip_code',
                       'state_region', 'city', 'street2', 'street', 'tax_id', 'country_code',
                       'status'):
            batch_op.drop_column(column)
