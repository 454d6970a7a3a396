"""address alerts, actions needing the address, address changes and the 12-month flag register (issue 15)

(Placeholder: filled in by the work on this part.)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 18:45:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
