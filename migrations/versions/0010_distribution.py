"""restricted PDF minutes and distribution

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rendered_master',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.Enum('minutes', 'action_extract', name='masterkind',
                                  native_enum=False, create_constraint=False, length=20),
                  nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=True),
        sa.Column('agency_id', sa.Integer(), nullable=True),
        sa.Column('minutes_version', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('page_count', sa.Integer(), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'],
                                name=op.f('fk_rendered_master_agency_id_agency')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rendered_master')),
        sa.UniqueConstraint('key', name=op.f('uq_rendered_master_key')),
    )
    with op.batch_alter_table('rendered_master', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rendered_master_meeting_id'), ['meeting_id'],
                              unique=False)

    op.create_table(
        'document_copy',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Uuid(), nullable=False),
        sa.Column('master_id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.Enum('minutes', 'action_extract', name='masterkind',
                                  native_enum=False, create_constraint=False, length=20),
                  nullable=False),
        sa.Column('minutes_version', sa.Integer(), nullable=False),
        sa.Column('recipient_user_id', sa.Integer(), nullable=True),
        sa.Column('recipient_name', sa.String(length=120), nullable=False),
        sa.Column('recipient_agency', sa.String(length=120), nullable=False),
        sa.Column('recipient_agency_id', sa.Integer(), nullable=True),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ip_address', sa.String(length=45), nullable=True),
        sa.Column('copy_sha256', sa.String(length=64), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['master_id'], ['rendered_master.id'],
                                name=op.f('fk_document_copy_master_id_rendered_master')),
        sa.ForeignKeyConstraint(['recipient_user_id'], ['user_account.id'],
                                name=op.f('fk_document_copy_recipient_user_id_user_account'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'],
                                name=op.f('fk_document_copy_issued_by_id_user_account'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'],
                                name=op.f('fk_document_copy_revoked_by_id_user_account'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_copy')),
        sa.UniqueConstraint('document_id', name=op.f('uq_document_copy_document_id')),
    )
    with op.batch_alter_table('document_copy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_copy_master_id'), ['master_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_document_copy_meeting_id'), ['meeting_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_document_copy_recipient_user_id'),
                              ['recipient_user_id'], unique=False)

    op.create_table(
        'minutes_recipient',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=True),
        sa.Column('added_by_id', sa.Integer(), nullable=True),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'],
                                name=op.f('fk_minutes_recipient_meeting_id_meeting'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_minutes_recipient_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'],
                                name=op.f('fk_minutes_recipient_agency_id_agency')),
        sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'],
                                name=op.f('fk_minutes_recipient_added_by_id_user_account'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'],
                                name=op.f('fk_minutes_recipient_revoked_by_id_user_account'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes_recipient')),
        sa.UniqueConstraint('meeting_id', 'user_id',
                            name=op.f('uq_minutes_recipient_meeting_id')),
    )
    with op.batch_alter_table('minutes_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_minutes_recipient_meeting_id'), ['meeting_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_minutes_recipient_user_id'), ['user_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('minutes_recipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_minutes_recipient_user_id'))
        batch_op.drop_index(batch_op.f('ix_minutes_recipient_meeting_id'))
    op.drop_table('minutes_recipient')
    with op.batch_alter_table('document_copy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_copy_recipient_user_id'))
        batch_op.drop_index(batch_op.f('ix_document_copy_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_document_copy_master_id'))
    op.drop_table('document_copy')
    with op.batch_alter_table('rendered_master', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rendered_master_meeting_id'))
    op.drop_table('rendered_master')
