"""accounts for people invited without one (issue 15)

(Placeholder: filled in by the work on this part.)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 18:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
