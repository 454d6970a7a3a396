"""in-app notifications and each person's email choices (issue 15)

- ``notification``: something waiting for one person (generic text, never case data, and a
  link to the page that checks access itself); ``read_at`` once followed or marked read.
- ``notification_email_choice``: whether a person also wants a kind by email (no row: the
  kind's default).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 18:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('text', sa.String(length=200), nullable=False),
        sa.Column('link', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_notification_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_user_id'), ['user_id'], unique=False)
    op.create_table(
        'notification_email_choice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('email', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_notification_email_choice_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_email_choice')),
        sa.UniqueConstraint('user_id', 'kind',
                            name=op.f('uq_notification_email_choice_user_id')),
    )
    with op.batch_alter_table('notification_email_choice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_email_choice_user_id'), ['user_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('notification_email_choice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_email_choice_user_id'))
    op.drop_table('notification_email_choice')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_user_id'))
    op.drop_table('notification')
