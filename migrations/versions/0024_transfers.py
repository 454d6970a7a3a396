"""MARAC-to-MARAC transfers (issue 14)

(Placeholder: filled in by the work on this part.)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 18:40:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
