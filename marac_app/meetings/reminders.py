"""Each person's calendar reminder (issue 16): a VALARM that many minutes before each meeting,
on their invitation emails (single meetings and series) and their calendar feed. No reminder
is the default; the reminder's text is the meeting's title only (never case data)."""

from __future__ import annotations

import sqlalchemy as sa

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.errors import ServiceError
from marac_app.extensions import db
from marac_app.meetings.models import CalendarReminder

# (minutes, what the person is shown); 0 is "no reminder".
CHOICES: tuple[tuple[int, str], ...] = (
    (0, "No reminder"),
    (15, "15 minutes before"),
    (60, "1 hour before"),
    (1440, "1 day before"),
)
UNKNOWN = "Select when you want to be reminded"


def minutes_for(user: User) -> int | None:
    """The person's reminder in minutes, or None for none."""
    minutes = db.session.scalar(
        sa.select(CalendarReminder.minutes).where(CalendarReminder.user_id == user.id)
    )
    return minutes or None


def set_reminder(user: User, minutes: int | None, *, actor: User) -> int | None:
    """Keep ``minutes`` (one of CHOICES; 0 removes the reminder) for ``user``; audited with the
    number only. ServiceError on ``minutes`` for anything else (None: not a number)."""
    if minutes is None or minutes not in {value for value, _label in CHOICES}:
        raise ServiceError(UNKNOWN, field="minutes")
    row = db.session.scalar(sa.select(CalendarReminder).where(CalendarReminder.user_id == user.id))
    if not minutes:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(CalendarReminder(user_id=user.id, minutes=minutes))
    else:
        row.minutes = minutes
    db.session.flush()
    record(
        AuditAction.CALENDAR_REMINDER_CHANGED,
        actor=actor,
        object_type="user",
        object_id=user.id,
        detail=f"minutes={minutes}",
    )
    return minutes or None
