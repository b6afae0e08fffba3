"""Sandbox mode: rbr_test_ keys and sandbox twin partners

Revision ID: faa0c0de000a
Revises: f9a0c0de0009
Create Date: 2026-12-04 17:10:00

A twin partner (`is_sandbox`, `sandbox_of_id`) mirrors one real partner against the Odoo
sandbox. Odoo ids are unique per Odoo only, so every "unique Odoo id" constraint gains
`is_sandbox`: a sandbox PO, line, bill or vendor may carry the same id as a live one.
"""
import sqlalchemy as sa
from alembic import op

revision = 'faa0c0de000a'
down_revision = 'f9a0c0de0009'
branch_labels = None
depends_on = None

# table -> (old unique constraint, its columns)
_ODOO_ID_UNIQUES = (
    ('purchase_orders', 'uq_purchase_orders_odoo_id', ['odoo_id']),
    ('purchase_order_lines', 'uq_purchase_order_lines_odoo_id', ['odoo_id']),
    ('odoo_bindings', 'uq_odoo_bindings_odoo_model_odoo_id', ['odoo_model', 'odoo_id']),
)


def _is_sandbox_column():
    return sa.Column('is_sandbox', sa.Boolean(), nullable=False, server_default=sa.false())


def upgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(_is_sandbox_column())
        batch_op.add_column(sa.Column('sandbox_of_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint('uq_partners_odoo_partner_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_partners_odoo_partner_id_is_sandbox'),
                                          ['odoo_partner_id', 'is_sandbox'])
        batch_op.create_unique_constraint(batch_op.f('uq_partners_sandbox_of_id'), ['sandbox_of_id'])
        batch_op.create_foreign_key(batch_op.f('fk_partners_sandbox_of_id_partners'), 'partners',
                                    ['sandbox_of_id'], ['id'])
    for table, old_name, columns in _ODOO_ID_UNIQUES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_is_sandbox_column())
            batch_op.drop_constraint(old_name, type_='unique')
            batch_op.create_unique_constraint(batch_op.f(f'{old_name}_is_sandbox'),
                                              [*columns, 'is_sandbox'])


def downgrade():
    for table, old_name, columns in reversed(_ODOO_ID_UNIQUES):
        op.execute(sa.text(f'DELETE FROM {table} WHERE is_sandbox'))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'{old_name}_is_sandbox', type_='unique')
            batch_op.create_unique_constraint(old_name, columns)
            batch_op.drop_column('is_sandbox')
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_constraint('fk_partners_sandbox_of_id_partners', type_='foreignkey')
        batch_op.drop_constraint('uq_partners_sandbox_of_id', type_='unique')
        batch_op.drop_constraint('uq_partners_odoo_partner_id_is_sandbox', type_='unique')
        batch_op.create_unique_constraint('uq_partners_odoo_partner_id', ['odoo_partner_id'])
        batch_op.drop_column('sandbox_of_id')
        batch_op.drop_column('is_sandbox')
