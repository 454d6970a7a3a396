"""live minutes, risk summaries and approval

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

SUBJECTS = ('victim', 'perpetrator', 'child_or_vulnerable_adult', 'household')
KINDS = ('fact', 'professional_opinion', 'victims_view')


def _subject(name='subject'):
    return sa.Enum(*SUBJECTS, name=name, native_enum=False, length=32)


def _kind(name='entrykind'):
    return sa.Enum(*KINDS, name=name, native_enum=False, length=32)


def _when():
    return sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        'minutes_approval',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('approved_by_id', sa.Integer(), nullable=False),
        sa.Column('approved_at', _when(), nullable=False),
        sa.Column('minutes_version', sa.Integer(), server_default='1', nullable=False),
        sa.ForeignKeyConstraint(['approved_by_id'], ['user_account.id'],
                                name=op.f('fk_minutes_approval_approved_by_id_user_account')),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'],
                                name=op.f('fk_minutes_approval_meeting_id_meeting'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes_approval')),
        sa.UniqueConstraint('meeting_id', name=op.f('uq_minutes_approval_meeting_id')),
    )
    op.create_table(
        'minute_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agenda_item_id', sa.Integer(), nullable=False),
        sa.Column('subject', _subject(), nullable=False),
        sa.Column('kind', _kind(), nullable=False),
        sa.Column('source_agency_id', sa.Integer(), nullable=False),
        sa.Column('text_html', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', _when(), nullable=False),
        sa.Column('updated_at', _when(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'],
                                name=op.f('fk_minute_entry_agenda_item_id_agenda_item'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['user_account.id'],
                                name=op.f('fk_minute_entry_author_id_user_account')),
        sa.ForeignKeyConstraint(['source_agency_id'], ['agency.id'],
                                name=op.f('fk_minute_entry_source_agency_id_agency')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'],
                                name=op.f('fk_minute_entry_updated_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_minute_entry')),
    )
    op.create_index(op.f('ix_minute_entry_agenda_item_id'), 'minute_entry', ['agenda_item_id'],
                    unique=False)
    op.create_index(op.f('ix_minute_entry_source_agency_id'), 'minute_entry',
                    ['source_agency_id'], unique=False)
    op.create_table(
        'risk_summary',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agenda_item_id', sa.Integer(), nullable=False),
        sa.Column('harm_identified', sa.Text(), nullable=False),
        sa.Column('contributing_factors', sa.Text(), nullable=False),
        sa.Column('protective_factors', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('created_at', _when(), nullable=False),
        sa.Column('updated_at', _when(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'],
                                name=op.f('fk_risk_summary_agenda_item_id_agenda_item'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['user_account.id'],
                                name=op.f('fk_risk_summary_author_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_summary')),
        sa.UniqueConstraint('agenda_item_id', name=op.f('uq_risk_summary_agenda_item_id')),
    )
    op.create_table(
        'minute_entry_revision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('previous_text_html', sa.Text(), nullable=False),
        sa.Column('previous_kind', _kind(), nullable=False),
        sa.Column('previous_subject', _subject(), nullable=False),
        sa.Column('previous_source_agency_id', sa.Integer(), nullable=True),
        sa.Column('previous_version', sa.Integer(), nullable=False),
        sa.Column('revised_by_id', sa.Integer(), nullable=True),
        sa.Column('revised_at', _when(), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['minute_entry.id'],
                                name=op.f('fk_minute_entry_revision_entry_id_minute_entry'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(
            ['previous_source_agency_id'], ['agency.id'],
            name=op.f('fk_minute_entry_revision_previous_source_agency_id_agency')),
        sa.ForeignKeyConstraint(['revised_by_id'], ['user_account.id'],
                                name=op.f('fk_minute_entry_revision_revised_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_minute_entry_revision')),
    )
    op.create_index(op.f('ix_minute_entry_revision_entry_id'), 'minute_entry_revision',
                    ['entry_id'], unique=False)
    op.create_table(
        'minutes_amendment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=True),
        sa.Column('risk_summary_id', sa.Integer(), nullable=True),
        sa.Column('field', sa.String(length=40), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('old_html', sa.Text(), nullable=False),
        sa.Column('new_html', sa.Text(), nullable=False),
        sa.Column('minutes_version', sa.Integer(), nullable=False),
        sa.Column('amended_by_id', sa.Integer(), nullable=False),
        sa.Column('amended_at', _when(), nullable=False),
        sa.ForeignKeyConstraint(['amended_by_id'], ['user_account.id'],
                                name=op.f('fk_minutes_amendment_amended_by_id_user_account')),
        sa.ForeignKeyConstraint(['entry_id'], ['minute_entry.id'],
                                name=op.f('fk_minutes_amendment_entry_id_minute_entry'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'],
                                name=op.f('fk_minutes_amendment_meeting_id_meeting'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['risk_summary_id'], ['risk_summary.id'],
                                name=op.f('fk_minutes_amendment_risk_summary_id_risk_summary'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes_amendment')),
    )
    op.create_index(op.f('ix_minutes_amendment_entry_id'), 'minutes_amendment', ['entry_id'],
                    unique=False)
    op.create_index(op.f('ix_minutes_amendment_meeting_id'), 'minutes_amendment',
                    ['meeting_id'], unique=False)
    op.create_index(op.f('ix_minutes_amendment_risk_summary_id'), 'minutes_amendment',
                    ['risk_summary_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_minutes_amendment_risk_summary_id'), table_name='minutes_amendment')
    op.drop_index(op.f('ix_minutes_amendment_meeting_id'), table_name='minutes_amendment')
    op.drop_index(op.f('ix_minutes_amendment_entry_id'), table_name='minutes_amendment')
    op.drop_table('minutes_amendment')
    op.drop_index(op.f('ix_minute_entry_revision_entry_id'), table_name='minute_entry_revision')
    op.drop_table('minute_entry_revision')
    op.drop_table('risk_summary')
    op.drop_index(op.f('ix_minute_entry_source_agency_id'), table_name='minute_entry')
    op.drop_index(op.f('ix_minute_entry_agenda_item_id'), table_name='minute_entry')
    op.drop_table('minute_entry')
    op.drop_table('minutes_approval')
