"""action progress updates, agency points of contact and chasing (issue 15)

(Placeholder: filled in by the work on this part.)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 18:45:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
