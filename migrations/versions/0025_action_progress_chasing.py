"""action progress updates, agency points of contact and chasing (issue 15)

Progress that leaves an action open is a row of its status history (``kind`` progress) and
``action_item.progress_at``; agencies' points of contact per area; a record of each chase
sent (idempotent daily job, rate-limited "chase now"); one run record per scheduled job per
day.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 18:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('action_item') as batch:
        batch.add_column(sa.Column('progress_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('action_status_update') as batch:
        batch.add_column(
            sa.Column('kind', sa.String(length=16), nullable=False, server_default='status')
        )
    op.create_table(
        'agency_point_of_contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('named_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['agency_id'], ['agency.id'], ondelete='CASCADE',
            name=op.f('fk_agency_point_of_contact_agency_id_agency'),
        ),
        sa.ForeignKeyConstraint(
            ['area_id'], ['marac_area.id'], ondelete='CASCADE',
            name=op.f('fk_agency_point_of_contact_area_id_marac_area'),
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user_account.id'], ondelete='CASCADE',
            name=op.f('fk_agency_point_of_contact_user_id_user_account'),
        ),
        sa.ForeignKeyConstraint(
            ['named_by_id'], ['user_account.id'],
            name=op.f('fk_agency_point_of_contact_named_by_id_user_account'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_point_of_contact')),
        sa.UniqueConstraint(
            'agency_id', 'area_id', 'user_id',
            name=op.f('uq_agency_point_of_contact_agency_id'),
        ),
    )
    for column in ('agency_id', 'area_id', 'user_id'):
        op.create_index(
            op.f(f'ix_agency_point_of_contact_{column}'), 'agency_point_of_contact', [column]
        )
    op.create_table(
        'action_chase',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=True),
        sa.Column('meeting_id', sa.Integer(), nullable=True),
        sa.Column('run_on', sa.Date(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('by_id', sa.Integer(), nullable=True),
        sa.Column('recipients', sa.Integer(), nullable=False),
        sa.Column('due_soon', sa.Integer(), nullable=False),
        sa.Column('overdue', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['area_id'], ['marac_area.id'], ondelete='CASCADE',
            name=op.f('fk_action_chase_area_id_marac_area'),
        ),
        sa.ForeignKeyConstraint(
            ['agency_id'], ['agency.id'], ondelete='CASCADE',
            name=op.f('fk_action_chase_agency_id_agency'),
        ),
        sa.ForeignKeyConstraint(
            ['meeting_id'], ['meeting.id'], ondelete='CASCADE',
            name=op.f('fk_action_chase_meeting_id_meeting'),
        ),
        sa.ForeignKeyConstraint(
            ['by_id'], ['user_account.id'], name=op.f('fk_action_chase_by_id_user_account')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_action_chase')),
    )
    for column in ('area_id', 'agency_id', 'meeting_id'):
        op.create_index(op.f(f'ix_action_chase_{column}'), 'action_chase', [column])
    op.create_table(
        'scheduled_job_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job', sa.String(length=40), nullable=False),
        sa.Column('run_on', sa.Date(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('detail', sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_job_run')),
        sa.UniqueConstraint('job', 'run_on', name=op.f('uq_scheduled_job_run_job')),
    )


def downgrade():
    op.drop_table('scheduled_job_run')
    for column in ('area_id', 'agency_id', 'meeting_id'):
        op.drop_index(op.f(f'ix_action_chase_{column}'), table_name='action_chase')
    op.drop_table('action_chase')
    for column in ('agency_id', 'area_id', 'user_id'):
        op.drop_index(
            op.f(f'ix_agency_point_of_contact_{column}'), table_name='agency_point_of_contact'
        )
    op.drop_table('agency_point_of_contact')
    with op.batch_alter_table('action_status_update') as batch:
        batch.drop_column('kind')
    with op.batch_alter_table('action_item') as batch:
        batch.drop_column('progress_at')
