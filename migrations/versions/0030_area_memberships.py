"""a person in several MARAC areas (issue 15)

(Placeholder: filled in by the work on this part.)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-04 18:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
