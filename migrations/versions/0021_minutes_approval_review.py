"""approval check reasons and draft circulation for accuracy comments

- ``minutes_amendment.late_entry``: the amendment added an entry after approval (a case left
  with nothing recorded can still be completed).
- ``minutes_approval_reason``: why a case was approved without entries, a risk summary or
  actions (given on the approval check page).
- ``minutes_circulation``, ``circulation_recipient``, ``circulation_comment``: the
  draft minutes sent to the people present for accuracy comments until a set time, who it
  was sent to, and their comments (read by the chair and coordinator only).

The added column has a server default, so batch mode (SQLite) and PostgreSQL add it in place.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('minutes_amendment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_entry', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.create_table(
        'minutes_approval_reason',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('approval_id', sa.Integer(), nullable=False),
        sa.Column('agenda_item_id', sa.Integer(), nullable=False),
        sa.Column('missing', sa.String(length=80), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['approval_id'], ['minutes_approval.id'],
            name=op.f('fk_minutes_approval_reason_approval_id_minutes_approval'),
            ondelete='CASCADE'),
        sa.ForeignKeyConstraint(
            ['agenda_item_id'], ['agenda_item.id'],
            name=op.f('fk_minutes_approval_reason_agenda_item_id_agenda_item'),
            ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes_approval_reason')),
        sa.UniqueConstraint('approval_id', 'agenda_item_id',
                            name=op.f('uq_minutes_approval_reason_approval_id')),
    )
    with op.batch_alter_table('minutes_approval_reason', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_minutes_approval_reason_approval_id'),
                              ['approval_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_minutes_approval_reason_agenda_item_id'),
                              ['agenda_item_id'], unique=False)
    op.create_table(
        'minutes_circulation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('comments_until', sa.DateTime(timezone=True), nullable=False),
        sa.Column('circulated_by_id', sa.Integer(), nullable=False),
        sa.Column('circulated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['meeting_id'], ['meeting.id'],
            name=op.f('fk_minutes_circulation_meeting_id_meeting'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(
            ['circulated_by_id'], ['user_account.id'],
            name=op.f('fk_minutes_circulation_circulated_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes_circulation')),
    )
    with op.batch_alter_table('minutes_circulation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_minutes_circulation_meeting_id'),
                              ['meeting_id'], unique=False)
    op.create_table(
        'circulation_recipient',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('circulation_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['circulation_id'], ['minutes_circulation.id'],
            name=op.f('fk_circulation_recipient_circulation_id_minutes_circulation'),
            ondelete='CASCADE'),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user_account.id'],
            name=op.f('fk_circulation_recipient_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_circulation_recipient')),
        sa.UniqueConstraint('circulation_id', 'user_id',
                            name=op.f('uq_circulation_recipient_circulation_id')),
    )
    with op.batch_alter_table('circulation_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_circulation_recipient_circulation_id'),
                              ['circulation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_circulation_recipient_user_id'), ['user_id'],
                              unique=False)
    op.create_table(
        'circulation_comment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('circulation_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('agenda_item_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['circulation_id'], ['minutes_circulation.id'],
            name=op.f('fk_circulation_comment_circulation_id_minutes_circulation'),
            ondelete='CASCADE'),
        sa.ForeignKeyConstraint(
            ['author_id'], ['user_account.id'],
            name=op.f('fk_circulation_comment_author_id_user_account')),
        sa.ForeignKeyConstraint(
            ['agenda_item_id'], ['agenda_item.id'],
            name=op.f('fk_circulation_comment_agenda_item_id_agenda_item'),
            ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_circulation_comment')),
    )
    with op.batch_alter_table('circulation_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_circulation_comment_circulation_id'),
                              ['circulation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_circulation_comment_author_id'), ['author_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_circulation_comment_agenda_item_id'),
                              ['agenda_item_id'], unique=False)


def downgrade():
    with op.batch_alter_table('circulation_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_circulation_comment_agenda_item_id'))
        batch_op.drop_index(batch_op.f('ix_circulation_comment_author_id'))
        batch_op.drop_index(batch_op.f('ix_circulation_comment_circulation_id'))
    op.drop_table('circulation_comment')
    with op.batch_alter_table('circulation_recipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_circulation_recipient_user_id'))
        batch_op.drop_index(batch_op.f('ix_circulation_recipient_circulation_id'))
    op.drop_table('circulation_recipient')
    with op.batch_alter_table('minutes_circulation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_minutes_circulation_meeting_id'))
    op.drop_table('minutes_circulation')
    with op.batch_alter_table('minutes_approval_reason', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_minutes_approval_reason_agenda_item_id'))
        batch_op.drop_index(batch_op.f('ix_minutes_approval_reason_approval_id'))
    op.drop_table('minutes_approval_reason')
    with op.batch_alter_table('minutes_amendment', schema=None) as batch_op:
        batch_op.drop_column('late_entry')
