"""a person in several MARAC areas (issue 15)

- ``user_area``: the areas a person may work in (a police officer covering two MARACs).
  ``user_account.area_id`` stays: it is the area they are working in now, and every
  permission keeps reading it. Backfilled with each user's current area, so everyone starts
  as a member of exactly the area they have today.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-04 18:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_area',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_user_area_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['area_id'], ['marac_area.id'],
                                name=op.f('fk_user_area_area_id_marac_area')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_area')),
        sa.UniqueConstraint('user_id', 'area_id', name=op.f('uq_user_area_user_id')),
    )
    with op.batch_alter_table('user_area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_area_area_id'), ['area_id'], unique=False)
    op.execute(
        'INSERT INTO user_area (user_id, area_id) '
        'SELECT id, area_id FROM user_account WHERE area_id IS NOT NULL'
    )


def downgrade():
    with op.batch_alter_table('user_area', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_area_area_id'))
    op.drop_table('user_area')
