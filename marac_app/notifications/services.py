"""Notifications: the small API the features below call when something is waiting for
someone, and the reads of the home page and the settings page. Services flush, never commit,
never read ``request``.

- ``notify(user, kind, link, text, email=True)``: one notification for ``user``. ``text`` is
  generic by contract (the meeting's date, a count or a due date — never a case reference, a
  person's name or narrative); ``link`` is a local path to the page that shows the thing and
  checks access itself. With ``email`` the person is also emailed when they chose that kind
  (``wants_email``): the email says only that something is waiting, with a sign-in link.
  Callers that already send their own email for the kind (minutes, research lists, chasing,
  flags lapsing) pass ``email=False`` and ask ``wants_email`` before sending it.
- ``unread_for(user)``, ``unread_count(user)``, ``open_notification``, ``mark_all_read``.
- ``email_choices(user)`` and ``save_email_choices(user, wanted, actor=…)`` (audited).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app

from marac_app import mail
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.errors import ServiceError
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.notifications.models import (
    LINK_MAX,
    TEXT_MAX,
    Notification,
    NotificationEmailChoice,
    NotificationKind,
)

logger = logging.getLogger(__name__)

# How many unread notifications the home page lists (the count shows them all).
HOME_LIMIT = 20
EMAIL_SUBJECT = "Something is waiting for you in MARAC Manager"


def is_local_link(link: str) -> bool:
    """A path of this service (no scheme, no host): following a notification never leaves it."""
    return (
        link.startswith("/")
        and not link.startswith("//")
        and "\\" not in link
        and len(link) <= LINK_MAX
    )


def notify(
    user: User, kind: NotificationKind, link: str, text: str, *, email: bool = True
) -> Notification | None:
    """Add a notification for ``user`` (None for a deactivated account: nothing is kept or
    sent). Raises ValueError for a link that is not a local path or an over-long text (a
    programming error, never a user's input). See the module docstring for ``email``."""
    if not is_local_link(link):
        raise ValueError("a notification links to a page of this service")
    if not text or len(text) > TEXT_MAX:
        raise ValueError("a notification's text is short and generic")
    if not user.active:
        return None
    notification = Notification(user_id=user.id, kind=kind, link=link, text=text)
    db.session.add(notification)
    db.session.flush()
    if email and wants_email(user, kind):
        send_email(user, kind)
    logger.info("notification %s kind=%s for user %s", notification.id, kind, user.id)
    return notification


def email_body(kind: NotificationKind) -> str:
    """The one notification email: that something of ``kind`` is waiting, and a sign-in link.
    Nothing about any case or person."""
    link = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/"
    return (
        f"{kind.label}.\n\n"
        f"Sign in to MARAC Manager to see it:\n{link}\n\n"
        "This email does not contain any case details. Do not forward it.\n"
        "You can choose which notifications you are emailed on the Notification settings "
        "page of your account.\n"
    )


def send_email(user: User, kind: NotificationKind) -> bool:
    """Email ``user`` that something of ``kind`` is waiting. An email that cannot be sent is
    logged and skipped (False): the notification is on their home page all the same."""
    try:
        mail.send(mail.build_message(user.email, EMAIL_SUBJECT, email_body(kind)))
    except (OSError, smtplib.SMTPException) as error:
        logger.warning(
            "notification email failed kind=%s user=%s (%s)", kind, user.id, type(error).__name__
        )
        return False
    return True


# --- Reads -------------------------------------------------------------------------------


def _unread(user: User) -> sa.Select[Notification]:
    return sa.select(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )


def unread_for(user: User, limit: int = HOME_LIMIT) -> list[Notification]:
    """``user``'s unread notifications, newest first (at most ``limit``)."""
    query = _unread(user).order_by(Notification.created_at.desc(), Notification.id.desc())
    return list(db.session.scalars(query.limit(limit)))


def unread_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(_unread(user).subquery())) or 0


def owns(user: User, notification: Notification) -> bool:
    """Only the person notified may open a notification (others get 404)."""
    return notification.user_id == user.id


def open_notification(notification: Notification) -> str:
    """Mark ``notification`` read and return where it leads. The caller has checked ``owns``."""
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification.link if is_local_link(notification.link) else "/"


def mark_all_read(user: User) -> int:
    """Mark every unread notification of ``user`` read; how many were."""
    found = list(db.session.scalars(_unread(user)))
    now = utcnow()
    for notification in found:
        notification.read_at = now
    db.session.flush()
    return len(found)


# --- Email choices ------------------------------------------------------------------------


def _choice_rows(user: User) -> dict[NotificationKind, NotificationEmailChoice]:
    rows = db.session.scalars(
        sa.select(NotificationEmailChoice).where(NotificationEmailChoice.user_id == user.id)
    )
    return {row.kind: row for row in rows}


def email_choices(user: User) -> dict[NotificationKind, bool]:
    """For every kind, whether ``user`` gets it by email (their choice, else the default)."""
    rows = _choice_rows(user)
    return {
        kind: rows[kind].email if kind in rows else kind.emailed_by_default
        for kind in NotificationKind
    }


def wants_email(user: User, kind: NotificationKind) -> bool:
    """Whether ``user`` gets ``kind`` by email: active, with an address, and chose it (or
    left the default)."""
    if not user.active or not user.email:
        return False
    row = db.session.scalar(
        sa.select(NotificationEmailChoice).where(
            NotificationEmailChoice.user_id == user.id, NotificationEmailChoice.kind == kind
        )
    )
    return row.email if row is not None else kind.emailed_by_default


def save_email_choices(user: User, wanted: Iterable[str], *, actor: User) -> list[NotificationKind]:
    """Make ``wanted`` (kind values) the kinds ``user`` is emailed; the others are not.
    Refuses (ServiceError) an unknown kind. Audited with the kinds' values only. Returns the
    kinds now emailed."""
    chosen: set[NotificationKind] = set()
    for value in wanted:
        try:
            chosen.add(NotificationKind(value))
        except ValueError:
            raise ServiceError("Select only notifications from the list", field="kinds") from None
    rows = _choice_rows(user)
    for kind in NotificationKind:
        row = rows.get(kind)
        if row is None:
            row = NotificationEmailChoice(user_id=user.id, kind=kind)
            db.session.add(row)
        row.email = kind in chosen
    db.session.flush()
    emailed = [kind for kind in NotificationKind if kind in chosen]
    record(
        AuditAction.NOTIFICATION_SETTINGS_CHANGED,
        actor=actor,
        object_type="user",
        object_id=user.id,
        detail="email=" + (",".join(kind.value for kind in emailed) or "none"),
    )
    return emailed
