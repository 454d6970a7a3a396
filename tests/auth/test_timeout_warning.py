"""The session clock behind the timeout warning: asking is not activity (passive), "Stay
signed in" extends the idle timeout (CSRF, audited), the absolute timeout cannot be
extended, and an ended session answers as JSON, not with a redirect."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from config import load_config
from marac_app.audit import AuditEvent
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, UserSession
from marac_app.auth.session_views import csrf_token_user
from marac_app.db import utcnow
from marac_app.extensions import db
from tests.conftest import csrf_token

STATUS = "/session/status"
EXTEND = "/session/extend"


def _row(app: Flask, user_id: int) -> UserSession:
    with app.app_context():
        return db.session.scalars(
            sa.select(UserSession).where(UserSession.user_id == user_id)
        ).one()


def _age(app: Flask, user_id: int, **fields) -> None:
    with app.app_context():
        row = db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user_id)).one()
        for name, value in fields.items():
            setattr(row, name, value)
        db.session.commit()


def _extend(client, token: str | None):
    headers = {"X-Requested-With": "fetch"}
    if token is not None:
        headers["X-CSRFToken"] = token
    return client.post(EXTEND, json={"reason": "stay"}, headers=headers)


def test_status_is_passive(app, auth, client, make_user) -> None:
    user = make_user(Role.COORDINATOR)
    auth.sign_in_as(user)
    seen = utcnow() - timedelta(minutes=10)
    _age(app, user.id, last_seen_at=seen)
    status = client.get(STATUS)
    assert status.status_code == 200 and status.headers["Cache-Control"] == "no-store"
    data = status.json
    assert data["signed_in"] is True and data["can_extend"] is True
    assert 19 * 60 - 5 <= data["idle_seconds_left"] <= 20 * 60
    assert data["absolute_seconds_left"] > 11 * 3600
    assert data["seconds_left"] == data["idle_seconds_left"]
    assert data["warn_seconds"] >= 120
    # Asking did not count as activity.
    assert abs((_row(app, user.id).last_seen_at - seen).total_seconds()) < 1
    client.get(STATUS)
    assert abs((_row(app, user.id).last_seen_at - seen).total_seconds()) < 1


def test_stay_signed_in_extends_the_idle_timeout(app, auth, client, make_user) -> None:
    user = make_user(Role.CHAIR)
    auth.sign_in_as(user)
    _age(app, user.id, last_seen_at=utcnow() - timedelta(minutes=28, seconds=30))
    assert client.get(STATUS).json["idle_seconds_left"] <= 90
    token = csrf_token(client, "/")  # a page view (not passive) is activity too
    _age(app, user.id, last_seen_at=utcnow() - timedelta(minutes=28, seconds=30))
    extended = _extend(client, token)
    assert extended.status_code == 200
    assert extended.json["idle_seconds_left"] >= 30 * 60 - 5
    assert client.get(STATUS).json["idle_seconds_left"] >= 30 * 60 - 5
    with app.app_context():
        [event] = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == AuditAction.SESSION_EXTENDED)
        ).all()
        assert event.actor_id == user.id and "stay" in event.detail


def test_extend_needs_the_csrf_token(app, auth, client, make_user) -> None:
    user = make_user(Role.CHAIR)
    auth.sign_in_as(user)
    assert _extend(client, None).status_code == 400
    assert _extend(client, "not-a-token").status_code == 400
    with app.app_context():
        assert not db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == AuditAction.SESSION_EXTENDED)
        ).all()


def test_absolute_timeout_cannot_be_extended(app, auth, client, make_user) -> None:
    user = make_user(Role.CHAIR)
    auth.sign_in_as(user)
    token = csrf_token(client, "/")
    _age(app, user.id, created_at=utcnow() - timedelta(hours=11, minutes=59), last_seen_at=utcnow())
    data = client.get(STATUS).json
    assert data["can_extend"] is False
    assert data["seconds_left"] == data["absolute_seconds_left"] <= 60
    after = _extend(client, token).json
    assert after["can_extend"] is False and after["absolute_seconds_left"] <= 60


def test_ended_session_answers_json(app, auth, client, make_user) -> None:
    user = make_user(Role.CHAIR)
    auth.sign_in_as(user)
    _age(app, user.id, last_seen_at=utcnow() - timedelta(minutes=31))
    status = client.get(STATUS)
    assert status.status_code == 200 and status.json["signed_in"] is False
    row = _row(app, user.id)
    assert row.ended_at is not None and row.end_reason == "idle_timeout"
    assert _extend(client, None).status_code in (302, 400)
    # Nobody signed in at all.
    assert app.test_client().get(STATUS).json["signed_in"] is False


def test_signed_in_pages_carry_the_warning_dialog(app, auth, client, make_user) -> None:
    assert 'id="timeout-dialog"' not in client.get("/sign-in").get_data(as_text=True)
    auth.sign_in_as(make_user(Role.CHAIR))
    page = client.get("/").get_data(as_text=True)
    assert 'id="timeout-dialog"' in page and "Stay signed in" in page
    assert 'data-timeout-status-url="/session/status"' in page


def test_warning_seconds_has_a_test_knob(monkeypatch) -> None:
    assert load_config("development")["SESSION_WARNING_SECONDS"] == 120
    monkeypatch.setenv("MARAC_SESSION_WARNING_SECONDS", "12")
    assert load_config("development")["SESSION_WARNING_SECONDS"] == 12


def test_csrf_tokens_name_the_person_they_were_signed_for(app, auth, client, make_user) -> None:
    """Signed-in pages carry tokens this app can trace to their person even once they no
    longer match (signed out and in again); tokens from before sign-in name nobody."""
    anonymous = csrf_token(client, "/sign-in")
    user = make_user(Role.CHAIR)
    auth.sign_in_as(user)
    first = csrf_token(client, "/")
    with client.session_transaction() as session:
        assert session["csrf_token"].startswith(f"u{user.id}.")
    auth.sign_out()
    auth.sign_in_as(user)
    second = csrf_token(client, "/")
    with app.test_request_context():
        assert csrf_token_user(first) == csrf_token_user(second) == user.id
        assert csrf_token_user(anonymous) is None
        assert csrf_token_user(None) is None and csrf_token_user("junk") is None
        assert csrf_token_user(first[:-2] + "xx") is None
    # The first no longer works as a token (it expired); the second does.
    assert _extend(client, first).status_code == 400
    assert _extend(client, second).status_code == 200
