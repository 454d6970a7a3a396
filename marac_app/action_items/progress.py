"""Progress that leaves an action open ("visited, waiting for locksmith").

A progress update is a row of the action's one history (``ActionStatusUpdate`` with
``kind == UpdateKind.PROGRESS``, from and to both open); completion and the other statuses
stay with ``services.update_status``. Plain text (autoescaped where shown). Flushes, never
commits; audited with ids only.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm.exc import StaleDataError

from marac_app.action_items.models import (
    NOTE_MAX,
    ActionItem,
    ActionStatus,
    ActionStatusUpdate,
    UpdateKind,
)
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.errors import ConflictError, ServiceError
from marac_app.common.time import london_today
from marac_app.db import utcnow
from marac_app.extensions import db

PROGRESS_MISSING = "Enter the progress on this action"
PROGRESS_TOO_LONG = f"The progress update must be {NOTE_MAX} characters or fewer"
PROGRESS_IN_FUTURE = "The date of the progress must be today or in the past"
PROGRESS_ON_CLOSED = "This action is closed: progress can only be posted on an open action"
CONFLICT = (
    "Someone else updated this action while you were writing. "
    "Check what is saved now, then post your update again"
)


def post_progress(
    action: ActionItem,
    *,
    note: str | None,
    dated: date | None,
    version: int | None,
    actor: User,
    today: date | None = None,
) -> ActionStatusUpdate:
    """Add a progress update to open ``action``, dated ``dated`` (default today, London).

    Raises ConflictError when ``version`` is not the saved version, and ServiceError (with
    the field) for a closed action, a missing or over-long note, or a future date. Who may
    call it is decided by ``permissions.can_update_action``.
    """
    if version is None or version != action.version:
        raise ConflictError(CONFLICT)
    if action.status is not ActionStatus.OPEN:
        raise ServiceError(PROGRESS_ON_CLOSED, field="note")
    text = (note or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not text:
        raise ServiceError(PROGRESS_MISSING, field="note")
    if len(text) > NOTE_MAX:
        raise ServiceError(PROGRESS_TOO_LONG, field="note")
    today = today or london_today()
    dated = dated or today
    if dated > today:
        raise ServiceError(PROGRESS_IN_FUTURE, field="dated")
    update = ActionStatusUpdate(
        from_status=ActionStatus.OPEN,
        to_status=ActionStatus.OPEN,
        kind=UpdateKind.PROGRESS,
        note=text,
        dated=dated,
        by_id=actor.id,
    )
    action.updates.append(update)
    # Changing the row bumps its version: a second writer holding the old form is refused.
    action.progress_at = utcnow()
    action.status_note = text
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ConflictError(CONFLICT) from error
    record(
        AuditAction.ACTION_PROGRESS_POSTED,
        actor=actor,
        object_type="action",
        object_id=action.id,
        case_ids=[action.case_id],
        detail=f"update={update.id}",
    )
    return update


def latest_progress(action: ActionItem) -> ActionStatusUpdate | None:
    """The newest progress update of ``action`` since it was last opened (None if none)."""
    if not action.in_progress:
        return None
    for update in reversed(action.updates):
        if update.kind is UpdateKind.PROGRESS:
            return update
        if update.to_status is not update.from_status:
            return None
    return None
