"""case timing, deferral and the per-case target minutes

- ``marac_area.case_target_minutes``: the minutes the chair aims to give a case (default 12).
- ``agenda_item.hearing_started_at`` / ``hearing_ended_at`` / ``hearing_seconds``: when the
  chair started and ended hearing the case at the meeting (UTC), and earlier hearings' time.
- ``case_deferral``: a case deferred from one meeting to the area's next, with the reason.

Added columns have server defaults or are nullable, so batch mode (SQLite) needs no
rebuild of existing rows' values and PostgreSQL adds them in place.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('marac_area', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_target_minutes', sa.Integer(), server_default='12',
                                      nullable=False))
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hearing_started_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('hearing_ended_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('hearing_seconds', sa.Integer(), server_default='0',
                                      nullable=False))
    op.create_table(
        'case_deferral',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('from_meeting_id', sa.Integer(), nullable=False),
        sa.Column('to_meeting_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('deferred_by_id', sa.Integer(), nullable=False),
        sa.Column('deferred_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['marac_case.id'],
                                name=op.f('fk_case_deferral_case_id_marac_case')),
        sa.ForeignKeyConstraint(['from_meeting_id'], ['meeting.id'],
                                name=op.f('fk_case_deferral_from_meeting_id_meeting')),
        sa.ForeignKeyConstraint(['to_meeting_id'], ['meeting.id'],
                                name=op.f('fk_case_deferral_to_meeting_id_meeting')),
        sa.ForeignKeyConstraint(['deferred_by_id'], ['user_account.id'],
                                name=op.f('fk_case_deferral_deferred_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_deferral')),
    )
    with op.batch_alter_table('case_deferral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_deferral_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_deferral_from_meeting_id'),
                              ['from_meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_deferral_to_meeting_id'), ['to_meeting_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('case_deferral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_deferral_to_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_case_deferral_from_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_case_deferral_case_id'))
    op.drop_table('case_deferral')
    # Plain DROP COLUMN (PostgreSQL, and SQLite 3.35+): batch mode would rebuild
    # marac_area and agenda_item, which other tables' foreign keys refuse on SQLite.
    for table, column in (
        ('agenda_item', 'hearing_seconds'),
        ('agenda_item', 'hearing_ended_at'),
        ('agenda_item', 'hearing_started_at'),
        ('marac_area', 'case_target_minutes'),
    ):
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
