"""attendance and acknowledgements

The meeting's opening record (statement version marked read), attendance, observers and
confidentiality acknowledgements.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('meeting_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('present', 'apologies', 'absent', name='attendancestatus', native_enum=False, length=16), nullable=False),
    sa.Column('information_sent', sa.Boolean(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_meeting_attendance_agency_id_agency')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_attendance_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_meeting_attendance_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_meeting_attendance_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendance')),
    sa.UniqueConstraint('meeting_id', 'user_id', name=op.f('uq_meeting_attendance_meeting_id'))
    )
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attendance_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_attendance_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_attendance_user_id'), ['user_id'], unique=False)

    op.create_table('meeting_observer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('organisation', sa.String(length=120), nullable=False),
    sa.Column('chair_agreed', sa.Boolean(), nullable=False),
    sa.Column('agreement_recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_recorded_by_id'], ['user_account.id'], name=op.f('fk_meeting_observer_agreement_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_observer_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_observer'))
    )
    with op.batch_alter_table('meeting_observer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_observer_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_opening',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('statement_version', sa.Integer(), nullable=False),
    sa.Column('read_by_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_opening_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['read_by_id'], ['user_account.id'], name=op.f('fk_meeting_opening_read_by_id_user_account')),
    sa.ForeignKeyConstraint(['statement_id'], ['confidentiality_statement.id'], name=op.f('fk_meeting_opening_statement_id_confidentiality_statement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_opening')),
    sa.UniqueConstraint('meeting_id', name=op.f('uq_meeting_opening_meeting_id'))
    )
    op.create_table('confidentiality_acknowledgement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('attendance_id', sa.Integer(), nullable=True),
    sa.Column('observer_id', sa.Integer(), nullable=True),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('statement_version', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('method', sa.Enum('own_device', 'recorded_by_chair', name='acknowledgementmethod', native_enum=False, length=24), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('(attendance_id IS NULL) <> (observer_id IS NULL)', name=op.f('ck_confidentiality_acknowledgement_one_person')),
    sa.ForeignKeyConstraint(['attendance_id'], ['meeting_attendance.id'], name=op.f('fk_confidentiality_acknowledgement_attendance_id_meeting_attendance'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_confidentiality_acknowledgement_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['observer_id'], ['meeting_observer.id'], name=op.f('fk_confidentiality_acknowledgement_observer_id_meeting_observer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_confidentiality_acknowledgement_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['statement_id'], ['confidentiality_statement.id'], name=op.f('fk_confidentiality_acknowledgement_statement_id_confidentiality_statement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confidentiality_acknowledgement')),
    sa.UniqueConstraint('attendance_id', 'statement_version', name=op.f('uq_confidentiality_acknowledgement_attendance_id')),
    sa.UniqueConstraint('observer_id', 'statement_version', name=op.f('uq_confidentiality_acknowledgement_observer_id'))
    )
    with op.batch_alter_table('confidentiality_acknowledgement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_confidentiality_acknowledgement_meeting_id'), ['meeting_id'], unique=False)



def downgrade():
    with op.batch_alter_table('confidentiality_acknowledgement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_confidentiality_acknowledgement_meeting_id'))
    op.drop_table('confidentiality_acknowledgement')
    op.drop_table('meeting_opening')
    with op.batch_alter_table('meeting_observer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_observer_meeting_id'))
    op.drop_table('meeting_observer')
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attendance_user_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_attendance_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_attendance_agency_id'))
    op.drop_table('meeting_attendance')
