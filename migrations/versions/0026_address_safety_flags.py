"""address alerts, actions needing the address, address changes and the 12-month flag register (issue 15)

- ``action_item.needs_address``: the action was agreed as needing the victim's address (the
  owning agency may have it shown on the action's page while it is open).
- ``case_address_alert``: "Address confidential – do not disclose" on a case, set and
  cleared by the coordinator with reasons (kept after clearing).
- ``address_change``: a change of the victim's address or safe contact details: which
  fields (names, never values), the reason, who and when.
- ``address_notice_dismissal``: a person has read the notice that a case's address changed.

The flag register needs no table (it is read from referrals, invitations and actions).
The added column has a server default, so batch mode (SQLite) and PostgreSQL add it in place.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 18:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_address', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.create_table(
        'case_address_alert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('set_by_id', sa.Integer(), nullable=True),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('cleared_by_id', sa.Integer(), nullable=True),
        sa.Column('clear_reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['marac_case.id'],
                                name=op.f('fk_case_address_alert_case_id_marac_case'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'],
                                name=op.f('fk_case_address_alert_set_by_id_user_account')),
        sa.ForeignKeyConstraint(['cleared_by_id'], ['user_account.id'],
                                name=op.f('fk_case_address_alert_cleared_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_address_alert')),
    )
    with op.batch_alter_table('case_address_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_address_alert_case_id'), ['case_id'],
                              unique=False)
    op.create_table(
        'address_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('fields', sa.String(length=200), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['marac_case.id'],
                                name=op.f('fk_address_change_case_id_marac_case'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['referral_id'], ['referral.id'],
                                name=op.f('fk_address_change_referral_id_referral'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'],
                                name=op.f('fk_address_change_changed_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_address_change')),
    )
    with op.batch_alter_table('address_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_address_change_case_id'), ['case_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_address_change_referral_id'), ['referral_id'],
                              unique=False)
    op.create_table(
        'address_notice_dismissal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('change_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['change_id'], ['address_change.id'],
                                name=op.f('fk_address_notice_dismissal_change_id_address_change'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_address_notice_dismissal_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_address_notice_dismissal')),
        sa.UniqueConstraint('change_id', 'user_id',
                            name=op.f('uq_address_notice_dismissal_change_id')),
    )
    with op.batch_alter_table('address_notice_dismissal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_address_notice_dismissal_change_id'),
                              ['change_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_address_notice_dismissal_user_id'), ['user_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('address_notice_dismissal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_address_notice_dismissal_user_id'))
        batch_op.drop_index(batch_op.f('ix_address_notice_dismissal_change_id'))
    op.drop_table('address_notice_dismissal')
    with op.batch_alter_table('address_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_address_change_referral_id'))
        batch_op.drop_index(batch_op.f('ix_address_change_case_id'))
    op.drop_table('address_change')
    with op.batch_alter_table('case_address_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_address_alert_case_id'))
    op.drop_table('case_address_alert')
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.drop_column('needs_address')
