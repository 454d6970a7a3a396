"""in-app notifications and each person's email choices (issue 15)

(Placeholder: filled in by the work on this part.)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 18:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
