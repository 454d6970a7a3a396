"""background jobs and performance indexes

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# (name, table, columns): also declared on the models (__table_args__).
PERFORMANCE_INDEXES = [
    # Actions: a representative's list by due date; the home summary's counts (index only);
    # overdue and status-filtered lists by due date.
    ('ix_action_item_agency_due', 'action_item', ['owner_agency_id', 'due_date']),
    ('ix_action_item_agency_status_due', 'action_item', ['owner_agency_id', 'status', 'due_date']),
    ('ix_action_item_status_due', 'action_item', ['status', 'due_date']),
    # Cases: an area's case list, newest first.
    ('ix_marac_case_area_created', 'marac_case', ['area_id', 'created_at']),
]


def upgrade():
    op.create_table(
        'background_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('status', sa.Enum('queued', 'running', 'succeeded', 'failed', name='jobstatus',
                                    native_enum=False, length=32), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('message', sa.String(length=255), nullable=True),
        sa.Column('result_url', sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'],
                                name=op.f('fk_background_job_owner_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_background_job')),
        sa.UniqueConstraint('public_id', name=op.f('uq_background_job_public_id')),
    )
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_background_job_owner_id'), ['owner_id'], unique=False)

    # Performance at scale: an index for every list's filter and sort (issue 8).
    for name, table, columns in PERFORMANCE_INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _columns in reversed(PERFORMANCE_INDEXES):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_background_job_owner_id'))
    op.drop_table('background_job')
