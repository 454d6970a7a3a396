"""actions owned by agencies

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

STATUSES = ('open', 'completed', 'not_completed', 'not_possible')


def upgrade():
    op.create_table('action_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('owner_agency_id', sa.Integer(), nullable=False),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('priority', sa.Enum('high', 'medium', 'low', name='actionpriority',
                                  native_enum=False, length=16), nullable=False),
    sa.Column('status', sa.Enum(*STATUSES, name='actionstatus', native_enum=False, length=20),
              nullable=False),
    sa.Column('status_note', sa.Text(), nullable=True),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], name=op.f('fk_action_item_agenda_item_id_agenda_item')),
    sa.ForeignKeyConstraint(['case_id'], ['marac_case.id'], name=op.f('fk_action_item_case_id_marac_case')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_action_item_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_action_item_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['owner_agency_id'], ['agency.id'], name=op.f('fk_action_item_owner_agency_id_agency')),
    sa.ForeignKeyConstraint(['owner_user_id'], ['user_account.id'], name=op.f('fk_action_item_owner_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_item'))
    )
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.create_index('ix_action_item_agency_status', ['owner_agency_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_item_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_item_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_item_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_item_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_item_owner_agency_id'), ['owner_agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_item_status'), ['status'], unique=False)

    op.create_table('action_status_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum(*STATUSES, name='actionstatus', native_enum=False, length=20),
              nullable=False),
    sa.Column('to_status', sa.Enum(*STATUSES, name='actionstatus', native_enum=False, length=20),
              nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('dated', sa.Date(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['action_item.id'], name=op.f('fk_action_status_update_action_id_action_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_action_status_update_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_status_update'))
    )
    with op.batch_alter_table('action_status_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_status_update_action_id'), ['action_id'], unique=False)


def downgrade():
    with op.batch_alter_table('action_status_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_status_update_action_id'))
    op.drop_table('action_status_update')
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_item_status'))
        batch_op.drop_index(batch_op.f('ix_action_item_owner_agency_id'))
        batch_op.drop_index(batch_op.f('ix_action_item_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_action_item_due_date'))
        batch_op.drop_index(batch_op.f('ix_action_item_case_id'))
        batch_op.drop_index(batch_op.f('ix_action_item_agenda_item_id'))
        batch_op.drop_index('ix_action_item_agency_status')
    op.drop_table('action_item')
