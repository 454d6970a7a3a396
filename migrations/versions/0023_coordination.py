"""co-ordinated cases, not heard at the table (issue 14)

(Placeholder: filled in by the work on this part.)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 18:40:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
