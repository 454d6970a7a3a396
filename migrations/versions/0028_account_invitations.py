"""accounts for people invited without one (issue 15)

- ``account_invitation``: an account a coordinator made to invite someone who had none (an
  agency representative of the coordinator's area): who made it, for which area and meeting.
  Admins list such accounts ("Invited by a coordinator") and disable them the usual way.

A table of its own rather than a column on ``user_account``: adding a foreign key column there
would make SQLite's batch mode copy and drop ``user_account``, and dropping it with foreign
keys on would cascade to every session, token and two-factor set-up.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 18:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'account_invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_account_invitation_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['user_account.id'],
                                name=op.f('fk_account_invitation_invited_by_id_user_account')),
        sa.ForeignKeyConstraint(['area_id'], ['marac_area.id'],
                                name=op.f('fk_account_invitation_area_id_marac_area')),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'],
                                name=op.f('fk_account_invitation_meeting_id_meeting'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_invitation')),
        sa.UniqueConstraint('user_id', name=op.f('uq_account_invitation_user_id')),
    )
    with op.batch_alter_table('account_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_invitation_invited_by_id'),
                              ['invited_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_invitation_area_id'), ['area_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_account_invitation_meeting_id'), ['meeting_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('account_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_invitation_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_account_invitation_area_id'))
        batch_op.drop_index(batch_op.f('ix_account_invitation_invited_by_id'))
    op.drop_table('account_invitation')
