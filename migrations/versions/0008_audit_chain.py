"""audit hash chain

Adds ``prev_hash`` and ``row_hash`` to audit_event (nullable columns added in place, so the
table is not recreated and its append-only triggers stay). Existing events are chained in id
order: the append-only trigger is lifted for that one backfill, inside this migration's
transaction, then restored. The hashing below is a frozen copy of ``marac_app.audit``'s
(migrations never import app code); both must produce the same hash.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 15:00:00

"""
import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = "audit_event is append-only"
GENESIS_HASH = "0" * 64
BATCH = 2000
CHAIN_FIELDS = (
    "id", "occurred_at", "actor_id", "actor_role", "actor_agency_id", "action", "object_type",
    "object_id", "outcome", "ip_address", "request_id", "detail",
)

audit_event = sa.table(
    "audit_event",
    sa.column("id", sa.Integer()),
    sa.column("occurred_at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.Integer()),
    sa.column("actor_role", sa.String()),
    sa.column("actor_agency_id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("object_type", sa.String()),
    sa.column("object_id", sa.String()),
    sa.column("outcome", sa.String()),
    sa.column("ip_address", sa.String()),
    sa.column("request_id", sa.String()),
    sa.column("detail", sa.String()),
    sa.column("prev_hash", sa.String()),
    sa.column("row_hash", sa.String()),
)


def _hash(row, prev_hash):
    values = []
    for name in CHAIN_FIELDS:
        value = getattr(row, name)
        if name == "occurred_at" and value is not None:
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        elif value is not None and not isinstance(value, int):
            value = str(value)
        values.append(value)
    values.append(prev_hash)
    payload = json.dumps(values, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("ascii")).hexdigest()


def _postgres():
    return op.get_bind().dialect.name == "postgresql"


def _lift_append_only():
    if _postgres():
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")


def _restore_append_only():
    """Copy of 0001's SQLite triggers (PostgreSQL's were only disabled)."""
    if _postgres():
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update_delete")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER IF NOT EXISTS audit_event_no_{verb.lower()}
                BEFORE {verb} ON audit_event
                BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END
            """)


def _backfill():
    bind = op.get_bind()
    columns = [getattr(audit_event.c, name) for name in CHAIN_FIELDS]
    if bind.scalar(sa.select(sa.func.count()).select_from(audit_event)) == 0:
        return
    _lift_append_only()
    prev_hash, last_id = GENESIS_HASH, 0
    while True:
        rows = bind.execute(
            sa.select(*columns).where(audit_event.c.id > last_id)
            .order_by(audit_event.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        for row in rows:
            row_hash = _hash(row, prev_hash)
            bind.execute(
                audit_event.update().where(audit_event.c.id == row.id)
                .values(prev_hash=prev_hash, row_hash=row_hash)
            )
            prev_hash, last_id = row_hash, row.id
    _restore_append_only()


def upgrade():
    op.add_column("audit_event", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_event", sa.Column("row_hash", sa.String(length=64), nullable=True))
    _backfill()


def downgrade():
    if _postgres():
        op.drop_column("audit_event", "row_hash")
        op.drop_column("audit_event", "prev_hash")
        return
    # SQLite: batch mode recreates the table, which drops its triggers: put them back.
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("row_hash")
        batch_op.drop_column("prev_hash")
    _restore_append_only()
