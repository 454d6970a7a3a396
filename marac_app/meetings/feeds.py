"""Personal calendar subscription feeds: a secret token per user, stored hashed.

Calendar programs cannot sign in, so the feed address carries the token. Only its SHA-256 is
kept; the token is shown once. A new token revokes the old one; a revoked token gives 404.
"""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import CalendarFeedToken, Meeting
from marac_app.meetings.services import meetings_query


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_token(user: User) -> CalendarFeedToken | None:
    return db.session.scalar(
        sa.select(CalendarFeedToken).where(
            CalendarFeedToken.user_id == user.id, CalendarFeedToken.revoked_at.is_(None)
        )
    )


def revoke_tokens(user: User, *, actor: User) -> int:
    """Revoke every live feed token of ``user``; return how many."""
    tokens = list(
        db.session.scalars(
            sa.select(CalendarFeedToken).where(
                CalendarFeedToken.user_id == user.id, CalendarFeedToken.revoked_at.is_(None)
            )
        )
    )
    for token in tokens:
        token.revoked_at = utcnow()
    db.session.flush()
    if tokens:
        record(
            AuditAction.CALENDAR_FEED_REVOKED,
            actor=actor,
            object_type="calendar_feed_token",
            object_id=tokens[0].id,
            detail=f"count={len(tokens)}",
        )
    return len(tokens)


def issue_token(user: User, *, actor: User) -> str:
    """Revoke any live token and return a new one (the only time it is visible)."""
    revoke_tokens(user, actor=actor)
    token = secrets.token_urlsafe(32)
    row = CalendarFeedToken(user_id=user.id, token_hash=_hash(token))
    db.session.add(row)
    db.session.flush()
    record(
        AuditAction.CALENDAR_FEED_ISSUED,
        actor=actor,
        object_type="calendar_feed_token",
        object_id=row.id,
    )
    return token


def user_for_token(token: str) -> User | None:
    """The active user a live ``token`` belongs to, or None."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(
        sa.select(CalendarFeedToken).where(
            CalendarFeedToken.token_hash == _hash(token), CalendarFeedToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.user.active:
        return None
    return row.user


def feed_meetings(user: User, limit: int = 500) -> list[Meeting]:
    """The meetings in ``user``'s feed: those they may see, from 90 days ago onwards."""
    from datetime import timedelta

    query = meetings_query(user)
    if query is None:
        return []
    since = utcnow() - timedelta(days=90)
    return list(
        db.session.scalars(
            query.where(Meeting.starts_at >= since).order_by(Meeting.starts_at).limit(limit)
        )
    )
