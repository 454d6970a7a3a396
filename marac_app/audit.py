"""The audit trail: one table, one way to write to it.

``record(...)`` adds an event to the *current* database transaction and flushes it, so the event
and the change it describes commit together or not at all. If the audit write fails, the
exception propagates, the request fails and the transaction is rolled back: nothing is saved
and nothing is returned without its audit event.

Events carry who, role, agency, action, object type and id, outcome, IP, request id and the UTC
time — never narrative text, names typed into forms, or secrets. The database refuses UPDATE
and DELETE on audit rows (triggers created by the migrations, on SQLite and PostgreSQL).

Hash chain: every event carries ``prev_hash`` (the ``row_hash`` of the event before it, by id)
and ``row_hash`` = SHA-256 over a canonical serialisation of its own fields plus ``prev_hash``.
Changing, inserting or deleting a row in the middle breaks the chain, which
``flask --app marac_app verify-audit`` (``marac_app.audit_review.services.verify_chain``)
reports. Writers are serialised while they read the chain head and append to it: PostgreSQL
takes a transaction-level advisory lock; SQLite takes its single write lock first (see
``_lock_chain``). Both hold until the transaction ends, so two requests can never chain onto
the same predecessor. The head is read through the primary-key index (``ORDER BY id DESC
LIMIT 1``): appending never scans the table.
"""

from __future__ import annotations

import enum
import hashlib
import json
import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column

from marac_app.audit_actions import AuditAction
from marac_app.db import Model, UTCDateTime, db, intpk, str_enum, utcnow

if TYPE_CHECKING:
    from marac_app.auth.models import User

logger = logging.getLogger(__name__)


class Outcome(enum.StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    FAILED = "failed"


class AuditEvent(Model):
    """One append-only audit row."""

    __tablename__ = "audit_event"

    id: Mapped[intpk]
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)  # no FK: the trail outlives users
    actor_role: Mapped[str | None] = mapped_column(sa.String(32))
    actor_agency_id: Mapped[int | None] = mapped_column()
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, length=16))
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    # Field names or counts only (e.g. "changed: role, agency"); never values typed by people.
    detail: Mapped[str | None] = mapped_column(sa.String(255))
    # The hash chain (SHA-256 hex): the previous event's row_hash, and this event's own.
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    row_hash: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (sa.Index("ix_audit_event_object", "object_type", "object_id"),)


class AuditEventCase(Model):
    """A case that an audited read exposed (a list, a CSV, a PDF names many cases at once).

    "Who has viewed case X" reads this table, so a research list download or a stamped PDF
    copy counts as a read of every case on it. Append-only like the events; no foreign key to
    the case, because the trail outlives an erased case (its reference stays a tombstone).
    The event's hash covers its case ids.
    """

    __tablename__ = "audit_event_case"

    # No foreign key: TRUNCATE of the events must meet their append-only trigger, and the
    # event's hash (not a constraint) is what ties these rows to it.
    event_id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(primary_key=True)

    __table_args__ = (sa.Index("ix_audit_event_case_case", "case_id", "event_id"),)


def current_request_id() -> str | None:
    """The id of the request being served (set by the security hooks), if any."""
    if has_request_context():
        return g.get("request_id")
    return None


def record(
    action: AuditAction,
    *,
    actor: User | None = None,
    object_type: str | None = None,
    object_id: int | str | None = None,
    outcome: Outcome = Outcome.ALLOWED,
    detail: str | None = None,
    case_ids: Iterable[int] = (),
) -> AuditEvent:
    """Add one audit event to the current transaction and flush it.

    ``case_ids`` are the cases the event exposed besides its object (every case on a list,
    a CSV or a PDF); a case object is included by itself. ``actor`` defaults to the
    signed-in user of the current request (None outside a request or when nobody is signed
    in). Raises whatever the database raises: callers must let it propagate so the request
    fails closed.
    """
    if actor is None and has_request_context():
        from flask_login import current_user

        if current_user and getattr(current_user, "is_authenticated", False):
            actor = current_user._get_current_object()
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_role=str(actor.role) if actor is not None else None,
        actor_agency_id=actor.agency_id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        outcome=outcome,
        ip_address=request.remote_addr if has_request_context() else None,
        request_id=current_request_id() or f"cli-{uuid.uuid4().hex[:16]}",
        detail=detail[:255] if detail else None,
    )
    cases = set(case_ids)
    if object_type in CASE_OBJECT_TYPES and object_id is not None and str(object_id).isdigit():
        cases.add(int(object_id))
    _persist(event, sorted(cases))
    logger.info(
        "audit action=%s outcome=%s actor=%s object=%s:%s",
        action,
        outcome,
        event.actor_id,
        object_type,
        event.object_id,
    )
    return event


def events_exposing_case(case_id: int) -> sa.ColumnElement[bool]:
    """A WHERE clause on AuditEvent: the events that read or changed case ``case_id`` — those
    naming it among their cases, and (written before cases were listed) those whose object
    is the case."""
    listed = sa.select(AuditEventCase.event_id).where(AuditEventCase.case_id == case_id)
    return sa.or_(
        AuditEvent.id.in_(listed),
        sa.and_(
            AuditEvent.object_type.in_(CASE_OBJECT_TYPES), AuditEvent.object_id == str(case_id)
        ),
    )


def _persist(event: AuditEvent, case_ids: list[int]) -> None:
    _lock_chain()
    last = db.session.execute(
        sa.select(AuditEvent.id, AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    event.id = _next_id(last.id if last is not None else 0)
    event.prev_hash = (last.row_hash if last is not None else None) or GENESIS_HASH
    event.row_hash = compute_hash({**_fields_of(event), "case_ids": case_ids}, event.prev_hash)
    db.session.add(event)
    db.session.flush()
    if case_ids:
        db.session.execute(
            sa.insert(AuditEventCase),
            [{"event_id": event.id, "case_id": case} for case in case_ids],
        )


# --- Hash chain ------------------------------------------------------------------------

GENESIS_HASH = "0" * 64
# Object types whose id is a case id (so the event is a read or change of that case).
CASE_OBJECT_TYPES = ("marac_case", "case")
# Key of the PostgreSQL advisory lock that serialises appends to the chain (any fixed int64).
CHAIN_LOCK_KEY = 0x4D41524143_41  # "MARAC" "A"

# The hashed fields, in order. Changing this list invalidates every existing hash.
CHAIN_FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_role",
    "actor_agency_id",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "ip_address",
    "request_id",
    "detail",
)


def _lock_chain() -> None:
    """Serialise appends until this transaction ends, before the chain head is read."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK_KEY)))
    elif dialect == "sqlite":
        # Transactions begin IMMEDIATE (marac_app.db), so the write lock is normally held
        # already. Should a transaction ever start deferred, this write statement (matching
        # no row) takes SQLite's one write lock, held to commit, before the head is read; if
        # another writer committed since this transaction's snapshot it raises: fail closed.
        table = cast(sa.Table, AuditEvent.__table__)
        db.session.execute(sa.update(table).where(sa.false()).values(id=table.c.id))


def _next_id(last_id: int) -> int:
    """The id of the event being appended (known before the INSERT: it is hashed)."""
    if db.session.get_bind().dialect.name == "postgresql":
        sequence = sa.func.pg_get_serial_sequence("audit_event", "id")
        return int(db.session.execute(sa.select(sa.func.nextval(sequence))).scalar_one())
    return last_id + 1


def _canonical_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _fields_of(event: Any) -> dict[str, Any]:
    """The hashed fields of an event or a row with the same attribute names."""
    return {name: getattr(event, name) for name in CHAIN_FIELDS}


def compute_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    """SHA-256 (hex) of the canonical JSON of ``fields`` (see CHAIN_FIELDS) and ``prev_hash``.

    The event's case ids (``fields["case_ids"]``), when it has any, are hashed after
    ``prev_hash``; events without them hash as they always did."""
    values: list[Any] = []
    for name in CHAIN_FIELDS:
        value = fields[name]
        if name == "occurred_at":
            value = _canonical_time(value)
        elif isinstance(value, enum.Enum):
            value = value.value
        elif value is not None and not isinstance(value, int):
            value = str(value)
        values.append(value)
    values.append(prev_hash)
    case_ids = sorted(int(case) for case in fields.get("case_ids") or ())
    if case_ids:
        values.append(case_ids)
    payload = json.dumps(values, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("ascii")).hexdigest()
