"""The one owner of the transaction in views, and the one audited read.

Views never write ``commit()`` or ``rollback()``. They call:

- ``attempt(service, form)`` to run a change: on ``ServiceError`` the transaction is rolled
  back and the refusal is shown on the form field it names (or in the error summary); on
  success it commits. The returned ``Attempt`` is truthy on success and carries the
  service's value, or the error and the HTTP status to answer with (409 for a conflict,
  400 otherwise).
- ``render_read(template, audit=Read(...), **context)`` to show personal data: the read's
  audit event (with the id of every case the page exposes) is written and committed
  *before* rendering, so a failed audit write shows nothing; with ``expire_on_commit``
  off, rendering does not reload the rows it already has.
- ``audit_read(Read(...))`` for reads that answer with a file rather than a template
  (CSV, PDF, JSON): the same event and commit, then the view returns its ``Response``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from flask import render_template
from wtforms import Form

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.common.errors import ConflictError, ServiceError
from marac_app.common.forms import show_error
from marac_app.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Attempt(Generic[T]):
    """What ``attempt`` did: truthy when the service ran and its change was committed."""

    value: T | None = None
    error: ServiceError | None = None

    def __bool__(self) -> bool:
        return self.error is None

    @property
    def conflict(self) -> bool:
        """The refusal was a stale version (someone else saved first)."""
        return isinstance(self.error, ConflictError)

    @property
    def status(self) -> int:
        """The HTTP status for re-showing the form: 200 on success, 409 for a conflict,
        400 for any other refusal."""
        if self.error is None:
            return 200
        return 409 if self.conflict else 400


def attempt(
    service: Callable[[], T], form: Form | None = None, *, aliases: Mapping[str, str] | None = None
) -> Attempt[T]:
    """Run ``service`` (which flushes, never commits) as the request's one change.

    Commits on success. On ``ServiceError`` rolls back, puts the message on ``form`` (the
    field the error names, through ``aliases`` when the service's name differs from the
    form's, else the error summary) and returns the failed ``Attempt``. Any other exception
    propagates (the error handler rolls back and answers 500).
    """
    try:
        value = service()
    except ServiceError as error:
        db.session.rollback()
        if form is not None:
            show_error(form, error, aliases)
        return Attempt(error=error)
    db.session.commit()
    return Attempt(value=value)


@dataclass(frozen=True)
class Read:
    """The audit event of a read: what was read, which object, and every case it exposed.

    ``detail`` holds ids, counts and field names only (never names or narrative)."""

    action: AuditAction
    object_type: str | None = None
    object_id: int | str | None = None
    case_ids: Iterable[int] = field(default_factory=tuple)
    detail: str | None = None


def audit_read(read: Read) -> None:
    """Write ``read``'s audit event and commit it (with anything else the request did)."""
    record(
        read.action,
        object_type=read.object_type,
        object_id=read.object_id,
        case_ids=read.case_ids,
        detail=read.detail,
    )
    db.session.commit()


def render_read(
    template: str, *, audit: Read, status: int = 200, **context: Any
) -> tuple[str, int]:
    """Audit the read and commit, then render ``template`` with ``context``."""
    audit_read(audit)
    return render_template(template, **context), status


def commit_only() -> None:
    """Commit what the request recorded without a service (e.g. a denied-access event
    that must survive); for views that have nothing else to run."""
    db.session.commit()
