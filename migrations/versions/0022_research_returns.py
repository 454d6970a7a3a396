"""agency research returns before the meeting (issue 14)

- ``marac_area.return_deadline_days``: returns are due this many working days before the
  meeting (default 2); ``return_visibility``: who sees returns before and at the meeting
  ("chair_and_coordinator", the default, or "invited_agencies").
- ``research_circulation``: the research list circulated to a meeting's invited agencies.
- ``research_return`` / ``research_return_item``: one agency's return per case on a meeting's
  list, its items (subject, fact or opinion, sanitised rich text), what it holds but does
  not share and why, or "nothing held". Both go with the agenda item on deletion.

Added columns have server defaults, so batch mode (SQLite) adds them in place.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 18:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('marac_area', schema=None) as batch_op:
        batch_op.add_column(sa.Column('return_deadline_days', sa.Integer(), server_default='2',
                                      nullable=False))
        batch_op.add_column(sa.Column('return_visibility',
                                      sa.Enum('chair_and_coordinator', 'invited_agencies',
                                              name='returnvisibility', native_enum=False,
                                              create_constraint=False, length=32),
                                      server_default='chair_and_coordinator', nullable=False))
    op.create_table(
        'research_circulation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('circulated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('circulated_by_id', sa.Integer(), nullable=False),
        sa.Column('recipients', sa.Integer(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ondelete='CASCADE',
                                name=op.f('fk_research_circulation_meeting_id_meeting')),
        sa.ForeignKeyConstraint(['circulated_by_id'], ['user_account.id'],
                                name=op.f('fk_research_circulation_circulated_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_research_circulation')),
    )
    with op.batch_alter_table('research_circulation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_circulation_meeting_id'), ['meeting_id'],
                              unique=False)
    op.create_table(
        'research_return',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agenda_item_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('nothing_held', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('withheld', sa.Text(), server_default='', nullable=False),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reopened_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], ondelete='CASCADE',
                                name=op.f('fk_research_return_agenda_item_id_agenda_item')),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'],
                                name=op.f('fk_research_return_agency_id_agency')),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'],
                                name=op.f('fk_research_return_submitted_by_id_user_account')),
        sa.ForeignKeyConstraint(['reopened_by_id'], ['user_account.id'],
                                name=op.f('fk_research_return_reopened_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_research_return')),
        sa.UniqueConstraint('agenda_item_id', 'agency_id',
                            name=op.f('uq_research_return_agenda_item_id')),
    )
    with op.batch_alter_table('research_return', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_return_agenda_item_id'),
                              ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_research_return_agency_id'), ['agency_id'],
                              unique=False)
    op.create_table(
        'research_return_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('return_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('subject', sa.Enum('victim', 'perpetrator', 'child_or_vulnerable_adult',
                                     'household', name='subject', native_enum=False,
                                     create_constraint=False, length=32), nullable=False),
        sa.Column('kind', sa.Enum('fact', 'professional_opinion', 'victims_view',
                                  name='entrykind', native_enum=False, create_constraint=False,
                                  length=32), nullable=False),
        sa.Column('text_html', sa.Text(), nullable=False),
        sa.Column('minute_entry_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['return_id'], ['research_return.id'], ondelete='CASCADE',
                                name=op.f('fk_research_return_item_return_id_research_return')),
        sa.ForeignKeyConstraint(['minute_entry_id'], ['minute_entry.id'], ondelete='SET NULL',
                                name=op.f('fk_research_return_item_minute_entry_id_minute_entry')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_research_return_item')),
    )
    with op.batch_alter_table('research_return_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_return_item_return_id'), ['return_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_research_return_item_minute_entry_id'),
                              ['minute_entry_id'], unique=False)


def downgrade():
    with op.batch_alter_table('research_return_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_return_item_minute_entry_id'))
        batch_op.drop_index(batch_op.f('ix_research_return_item_return_id'))
    op.drop_table('research_return_item')
    with op.batch_alter_table('research_return', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_return_agency_id'))
        batch_op.drop_index(batch_op.f('ix_research_return_agenda_item_id'))
    op.drop_table('research_return')
    with op.batch_alter_table('research_circulation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_circulation_meeting_id'))
    op.drop_table('research_circulation')
    # Plain DROP COLUMN (PostgreSQL, and SQLite 3.35+): batch mode would rebuild marac_area,
    # which other tables' foreign keys refuse on SQLite.
    for column in ('return_visibility', 'return_deadline_days'):
        op.execute(f'ALTER TABLE marac_area DROP COLUMN {column}')
