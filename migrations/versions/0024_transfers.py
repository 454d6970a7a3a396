"""MARAC-to-MARAC transfers (issue 14)

- ``case_transfer``: one transfer of a case out of its area, within the deployment (waiting
  for the receiving coordinator, then accepted or declined) or to a MARAC outside it (a
  stamped transfer pack). It belongs to the case it was sent from (deleted with it); the
  receiving area's case, opened on acceptance, is a reference set to NULL if it goes first.
- ``referral.previous_marac`` (yes / no / not known), ``previous_marac_where``,
  ``previous_marac_on`` and ``previous_marac_month_only``: whether the victim was referred to
  another MARAC before, where and when (a date, or only a month).

The referral columns are nullable or have a server default, so batch mode (SQLite) and
PostgreSQL add them in place.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 18:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_transfer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('within', 'external', name='transferkind', native_enum=False,
                                  create_constraint=False, length=20), nullable=False),
        sa.Column('status', sa.Enum('pending', 'accepted', 'declined', 'pack_produced',
                                    name='transferstatus', native_enum=False,
                                    create_constraint=False, length=20), nullable=False),
        sa.Column('source_case_id', sa.Integer(), nullable=False),
        sa.Column('from_area_id', sa.Integer(), nullable=False),
        sa.Column('to_area_id', sa.Integer(), nullable=True),
        sa.Column('external_marac', sa.String(length=200), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decline_reason', sa.Text(), nullable=True),
        sa.Column('received_case_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['source_case_id'], ['marac_case.id'],
                                name=op.f('fk_case_transfer_source_case_id_marac_case')),
        sa.ForeignKeyConstraint(['from_area_id'], ['marac_area.id'],
                                name=op.f('fk_case_transfer_from_area_id_marac_area')),
        sa.ForeignKeyConstraint(['to_area_id'], ['marac_area.id'],
                                name=op.f('fk_case_transfer_to_area_id_marac_area')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'],
                                name=op.f('fk_case_transfer_requested_by_id_user_account')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'],
                                name=op.f('fk_case_transfer_decided_by_id_user_account')),
        sa.ForeignKeyConstraint(['received_case_id'], ['marac_case.id'],
                                name=op.f('fk_case_transfer_received_case_id_marac_case'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_transfer')),
    )
    with op.batch_alter_table('case_transfer', schema=None) as batch_op:
        for column in ('status', 'source_case_id', 'from_area_id', 'to_area_id',
                       'received_case_id'):
            batch_op.create_index(batch_op.f(f'ix_case_transfer_{column}'), [column],
                                  unique=False)
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_marac', sa.Enum(
            'yes', 'no', 'not_known', name='previousmarac', native_enum=False,
            create_constraint=False, length=12), nullable=True))
        batch_op.add_column(sa.Column('previous_marac_where', sa.String(length=200),
                                      nullable=True))
        batch_op.add_column(sa.Column('previous_marac_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('previous_marac_month_only', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))


def downgrade():
    # Plain DROP COLUMN (PostgreSQL, and SQLite 3.35+): batch mode would rebuild referral,
    # which the foreign keys of the tables hanging off it refuse on SQLite.
    for column in ('previous_marac_month_only', 'previous_marac_on', 'previous_marac_where',
                   'previous_marac'):
        op.execute(f'ALTER TABLE referral DROP COLUMN {column}')
    with op.batch_alter_table('case_transfer', schema=None) as batch_op:
        for column in ('received_case_id', 'to_area_id', 'from_area_id', 'source_case_id',
                       'status'):
            batch_op.drop_index(batch_op.f(f'ix_case_transfer_{column}'))
    op.drop_table('case_transfer')
