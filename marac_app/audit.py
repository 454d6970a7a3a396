"""The audit trail: one table, one way to write to it.

``record(...)`` adds an event to the *current* database transaction and flushes it, so the event
and the change it describes commit together or not at all. If the audit write fails, the
exception propagates, the request fails and the transaction is rolled back: nothing is saved
and nothing is returned without its audit event.

Events carry who, role, agency, action, object type and id, outcome, IP, request id and the UTC
time — never narrative text, names typed into forms, or secrets. The database refuses UPDATE
and DELETE on audit rows (triggers created by the migrations, on SQLite and PostgreSQL).
"""

from __future__ import annotations

import enum
import logging
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column

from marac_app.db import UTCDateTime, db, intpk, str_enum, utcnow

if TYPE_CHECKING:
    from marac_app.auth.models import User

logger = logging.getLogger(__name__)


class Outcome(enum.StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    FAILED = "failed"


class AuditEvent(db.Model):
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

    __table_args__ = (sa.Index("ix_audit_event_object", "object_type", "object_id"),)


def current_request_id() -> str | None:
    """The id of the request being served (set by the security hooks), if any."""
    if has_request_context():
        return g.get("request_id")
    return None


def record(
    action: str,
    *,
    actor: User | None = None,
    object_type: str | None = None,
    object_id: int | str | None = None,
    outcome: Outcome = Outcome.ALLOWED,
    detail: str | None = None,
) -> AuditEvent:
    """Add one audit event to the current transaction and flush it.

    ``actor`` defaults to the signed-in user of the current request (None outside a request
    or when nobody is signed in). Raises whatever the database raises: callers must let it
    propagate so the request fails closed.
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
    _persist(event)
    logger.info(
        "audit action=%s outcome=%s actor=%s object=%s:%s",
        action,
        outcome,
        event.actor_id,
        object_type,
        event.object_id,
    )
    return event


def _persist(event: AuditEvent) -> None:
    db.session.add(event)
    db.session.flush()
