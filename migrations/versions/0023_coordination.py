"""co-ordinated cases, not heard at the table (issue 14)

- ``agenda_item.mode``: "heard" (the default, every existing row) or "coordinated";
  ``closing_date``: when a co-ordinated case's information and actions close;
  ``triage_version``: bumped by each triage change (a stale triage post is a conflict).
- ``agenda_item.signed_off_at`` / ``signed_off_by_id`` / ``no_actions_reason``: the chair's
  sign-off of a co-ordinated case's record, and why no actions were agreed (when none were).
  ``signed_off_by_id`` has no foreign key: adding one would rebuild agenda_item on SQLite,
  which the foreign keys of the tables hanging off it refuse (accounts are never deleted).

Added columns have server defaults or are nullable, so batch mode (SQLite) and PostgreSQL add
them in place.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 18:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mode', sa.Enum('heard', 'coordinated', name='casemode',
                                                      native_enum=False, create_constraint=False,
                                                      length=20),
                                      server_default='heard', nullable=False))
        batch_op.add_column(sa.Column('closing_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('triage_version', sa.Integer(), server_default='1',
                                      nullable=False))
        batch_op.add_column(sa.Column('signed_off_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('signed_off_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('no_actions_reason', sa.Text(), nullable=True))


def downgrade():
    # Plain DROP COLUMN (PostgreSQL, and SQLite 3.35+): batch mode would rebuild
    # agenda_item, which other tables' foreign keys refuse on SQLite.
    for column in ('no_actions_reason', 'signed_off_by_id', 'signed_off_at', 'triage_version',
                   'closing_date', 'mode'):
        op.execute(f'ALTER TABLE agenda_item DROP COLUMN {column}')
