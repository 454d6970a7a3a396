"""invitations to a whole meeting series (issue 15)

- ``meeting_series.ical_uid``: the UID of the series as one recurring calendar event (RRULE,
  EXDATE, RECURRENCE-ID instances). Existing series get a fresh random UID.
- ``invitation.via_series``: the person was invited with the series' recurring event, so a
  later change or cancellation of this meeting goes to them as an instance of the series.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04 18:30:00

"""
import uuid

from alembic import op
import sqlalchemy as sa


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting_series', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ical_uid', sa.String(length=100), nullable=True))
    connection = op.get_bind()
    series = sa.table('meeting_series', sa.column('id', sa.Integer),
                      sa.column('ical_uid', sa.String))
    for (series_id,) in connection.execute(sa.select(series.c.id)).all():
        connection.execute(
            series.update().where(series.c.id == series_id)
            .values(ical_uid=f"{uuid.uuid4()}@marac-manager")
        )
    with op.batch_alter_table('meeting_series', schema=None) as batch_op:
        batch_op.alter_column('ical_uid', existing_type=sa.String(length=100), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_meeting_series_ical_uid'), ['ical_uid'])
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('via_series', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('via_series')
    with op.batch_alter_table('meeting_series', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_meeting_series_ical_uid'), type_='unique')
        batch_op.drop_column('ical_uid')
