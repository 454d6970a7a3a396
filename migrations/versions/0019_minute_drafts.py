"""server-side drafts of text typed on the live case page

One row per person, agenda item and form (``key``): the form's own fields as JSON, removed
when the real record is saved. Deleting the user or the agenda item deletes its drafts.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'minute_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('agenda_item_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user_account.id'],
            name=op.f('fk_minute_draft_user_id_user_account'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(
            ['agenda_item_id'], ['agenda_item.id'],
            name=op.f('fk_minute_draft_agenda_item_id_agenda_item'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_minute_draft')),
        sa.UniqueConstraint('user_id', 'agenda_item_id', 'key',
                            name=op.f('uq_minute_draft_user_id')),
    )
    with op.batch_alter_table('minute_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_minute_draft_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_minute_draft_agenda_item_id'), ['agenda_item_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('minute_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_minute_draft_agenda_item_id'))
        batch_op.drop_index(batch_op.f('ix_minute_draft_user_id'))
    op.drop_table('minute_draft')
