"""case references that are never reused: per-area, per-year counters and erased-case tombstones

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 11:00:00

The counters start from the highest number in use per area and year: on a live case, or on a
case already erased under a data-subject request (the request log kept its reference). Those
earlier erasures also get their tombstone, so "who has viewed" still finds them. Cases deleted
by retention before this revision left no reference anywhere and cannot be recovered.
"""
import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

_REFERENCE = re.compile(r"^(?P<code>[A-Z0-9]+)-(?P<year>\d{4})-(?P<number>\d+)$")


def upgrade():
    op.create_table(
        'case_reference_counter',
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last_number', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['area_id'], ['marac_area.id'],
                                name=op.f('fk_case_reference_counter_area_id_marac_area')),
        sa.PrimaryKeyConstraint('area_id', 'year', name=op.f('pk_case_reference_counter')),
    )
    op.create_table(
        'erased_case',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=20), nullable=False),
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('case_created_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('case_closed_on', sa.Date(), nullable=True),
        sa.Column('erased_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('basis', sa.Enum('subject_request', 'retention', name='erasurebasis',
                                   native_enum=False, create_constraint=False, length=20),
                  nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('was_on_upcoming_list', sa.Boolean(), server_default=sa.false(),
                  nullable=False),
        sa.ForeignKeyConstraint(['area_id'], ['marac_area.id'],
                                name=op.f('fk_erased_case_area_id_marac_area')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_erased_case')),
        sa.UniqueConstraint('reference', name=op.f('uq_erased_case_reference')),
    )
    with op.batch_alter_table('erased_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erased_case_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_erased_case_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_erased_case_erased_at'), ['erased_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_erased_case_request_id'), ['request_id'],
                              unique=False)
    with op.batch_alter_table('subject_request_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erasure_reason', sa.Text(), nullable=True))

    _backfill(op.get_bind())


def _backfill(bind):
    """Tombstones for the erasures the request log remembers, then one counter per area and
    year at the highest number in use (live or erased)."""
    areas = {code.upper(): area_id for area_id, code in bind.execute(
        sa.text("SELECT id, code FROM marac_area"))}
    live = {reference for (reference,) in bind.execute(
        sa.text("SELECT reference FROM marac_case"))}
    erased = bind.execute(sa.text(
        "SELECT case_id, case_reference, erased_at, request_id FROM subject_request_case "
        "WHERE erased_at IS NOT NULL ORDER BY erased_at, id")).all()
    tombstones = sa.table(
        'erased_case', sa.column('case_id', sa.Integer()), sa.column('reference', sa.String()),
        sa.column('area_id', sa.Integer()), sa.column('erased_at', sa.DateTime(timezone=True)),
        sa.column('basis', sa.String()), sa.column('request_id', sa.Integer()),
        sa.column('was_on_upcoming_list', sa.Boolean()))
    seen = set()
    rows = []
    for case_id, reference, erased_at, request_id in erased:
        match = _REFERENCE.match((reference or "").upper())
        area_id = areas.get(match["code"]) if match else None
        if area_id is None or reference in seen:
            continue
        seen.add(reference)
        if isinstance(erased_at, str):  # SQLite hands back text
            erased_at = datetime.fromisoformat(erased_at)
        if erased_at.tzinfo is None:
            erased_at = erased_at.replace(tzinfo=UTC)
        rows.append({"case_id": case_id, "reference": reference, "area_id": area_id,
                     "erased_at": erased_at, "basis": "subject_request",
                     "request_id": request_id, "was_on_upcoming_list": False})
    if rows:
        op.bulk_insert(tombstones, rows)

    highest = {}
    for reference in live | seen:
        match = _REFERENCE.match(reference.upper())
        area_id = areas.get(match["code"]) if match else None
        if area_id is None:
            continue
        key = (area_id, int(match["year"]))
        highest[key] = max(highest.get(key, 0), int(match["number"]))
    counters = sa.table(
        'case_reference_counter', sa.column('area_id', sa.Integer()),
        sa.column('year', sa.Integer()), sa.column('last_number', sa.Integer()))
    if highest:
        op.bulk_insert(counters, [{"area_id": area_id, "year": year, "last_number": number}
                                  for (area_id, year), number in sorted(highest.items())])


def downgrade():
    with op.batch_alter_table('subject_request_case', schema=None) as batch_op:
        batch_op.drop_column('erasure_reason')
    with op.batch_alter_table('erased_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_erased_case_request_id'))
        batch_op.drop_index(batch_op.f('ix_erased_case_erased_at'))
        batch_op.drop_index(batch_op.f('ix_erased_case_case_id'))
        batch_op.drop_index(batch_op.f('ix_erased_case_area_id'))
    op.drop_table('erased_case')
    op.drop_table('case_reference_counter')
