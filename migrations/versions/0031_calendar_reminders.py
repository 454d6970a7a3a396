"""each person's calendar reminder (a VALARM on their invitations and feed; issue 16)

- ``calendar_reminder``: one row per person who chose a reminder, ``minutes`` before each
  meeting; no row means no reminder.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-04 19:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_calendar_reminder_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_reminder')),
        sa.UniqueConstraint('user_id', name=op.f('uq_calendar_reminder_user_id')),
    )


def downgrade():
    op.drop_table('calendar_reminder')
