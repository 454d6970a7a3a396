"""Server-side sessions.

The signed cookie carries a random token under ``sid``; the ``user_session`` row holding its
hash decides whether it is still good. ``load_user`` runs on every request (Flask-Login's user
loader), so a session ended by sign-out, deactivation or timeout is refused on the very next
request, and no permission is ever cached in the cookie.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from flask import current_app, request, session
from sqlalchemy.orm import joinedload

from marac_app.auth.models import User, UserSession
from marac_app.db import utcnow
from marac_app.extensions import db

logger = logging.getLogger(__name__)

SESSION_KEY = "sid"
# Record activity at most this often, so every page view does not write to the database.
TOUCH_INTERVAL = timedelta(seconds=60)

_PASSIVE = "_marac_passive"
View = TypeVar("View", bound=Callable[..., Any])


def passive(view: View) -> View:
    """Mark a view as not being activity: a background poll (live minutes, the session-status
    check behind the timeout warning) must not keep an unattended page signed in for ever.
    ``functools.wraps`` copies the mark outwards, so it may sit under other decorators."""
    setattr(view, _PASSIVE, True)
    return view


def is_passive_request() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, _PASSIVE, False))


class EndReason:
    SIGNED_OUT = "signed_out"
    IDLE = "idle_timeout"
    ABSOLUTE = "absolute_timeout"
    DEACTIVATED = "deactivated"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a reason code, not a secret
    SIGNED_IN_AGAIN = "signed_in_again"
    MFA_RESET = "mfa_reset"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a reason code, not a secret
    SIGNED_OUT_ELSEWHERE = "signed_out_elsewhere"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> str:
    """Create a server session for ``user``; return the token to put in the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(token_hash=hash_token(token), user_id=user.id, created_at=now, last_seen_at=now)
    )
    db.session.flush()
    return token


def current_session_row() -> UserSession | None:
    token = session.get(SESSION_KEY)
    if not token or not isinstance(token, str):
        return None
    # The user comes in the same statement: every signed-in request needs both, and the idle
    # poll of the live page is counted in milliseconds (bench/live_minutes.py).
    return db.session.scalar(
        sa.select(UserSession)
        .options(joinedload(UserSession.user))
        .where(UserSession.token_hash == hash_token(token))
    )


def load_user(user_id: str) -> User | None:
    """Flask-Login user loader: the user for this request's live session, or None.

    Ends the session row when it has passed its idle or absolute timeout. Commits only that
    bookkeeping, before any other work of the request.
    """
    row = current_session_row()
    if row is None or row.ended_at is not None or str(row.user_id) != str(user_id):
        return None
    now = utcnow()
    config = current_app.config
    reason = None
    if now - row.created_at > config["SESSION_ABSOLUTE_TIMEOUT"]:
        reason = EndReason.ABSOLUTE
    elif now - row.last_seen_at > config["SESSION_IDLE_TIMEOUT"]:
        reason = EndReason.IDLE
    elif not row.user.active:
        reason = EndReason.DEACTIVATED
    if reason is not None:
        row.ended_at, row.end_reason = now, reason
        db.session.commit()
        session["signed_out_reason"] = reason
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL and not is_passive_request():
        row.last_seen_at = now
        db.session.commit()
    return row.user


def end_current_session(reason: str) -> None:
    row = current_session_row()
    if row is not None and row.ended_at is None:
        row.ended_at, row.end_reason = utcnow(), reason
        db.session.flush()


def end_all_sessions(user: User, reason: str, *, except_current: bool = False) -> int:
    """End every live session of ``user``; return how many were ended."""
    query = sa.update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if except_current:
        current = current_session_row()
        if current is not None:
            query = query.where(UserSession.id != current.id)
    result = cast(
        "sa.CursorResult[Any]",
        db.session.execute(
            query.values(ended_at=utcnow(), end_reason=reason).execution_options(
                synchronize_session=False
            )
        ),
    )
    return result.rowcount or 0


def count_other_sessions(user: User) -> int:
    """How many live sessions ``user`` has besides this request's one."""
    query = sa.select(sa.func.count(UserSession.id)).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    current = current_session_row()
    if current is not None:
        query = query.where(UserSession.id != current.id)
    return db.session.scalar(query) or 0


def seconds_left(row: UserSession) -> tuple[int, int]:
    """Seconds before ``row`` reaches its idle and its absolute timeout (never below 0).

    ``last_seen_at`` is written at most every ``TOUCH_INTERVAL``, so the idle figure may be
    up to that much lower than the truth: a warning comes early, never late."""
    now = utcnow()
    config = current_app.config
    idle = config["SESSION_IDLE_TIMEOUT"] - (now - row.last_seen_at)
    absolute = config["SESSION_ABSOLUTE_TIMEOUT"] - (now - row.created_at)
    return max(0, int(idle.total_seconds())), max(0, int(absolute.total_seconds()))


def extend_current_session() -> UserSession | None:
    """Count this moment as activity for the idle timeout ("Stay signed in"). The absolute
    timeout cannot be extended. Returns the live row, or None. Flushes, never commits."""
    row = current_session_row()
    if row is None or row.ended_at is not None:
        return None
    row.last_seen_at = utcnow()
    db.session.flush()
    return row
