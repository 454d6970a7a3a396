"""Sign-in, throttling and server-side sessions (SECURITY.md: authentication and sessions)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marac_app.audit import AuditEvent
from marac_app.auth.models import Role, User, UserSession
from marac_app.auth.services import set_active
from marac_app.db import utcnow
from marac_app.extensions import db
from tests.conftest import PASSWORD, csrf_token, session_cookie


def audit_actions(app, actor_id=None) -> list[str]:
    with app.app_context():
        query = sa.select(AuditEvent.action).order_by(AuditEvent.id)
        if actor_id is not None:
            query = query.where(AuditEvent.actor_id == actor_id)
        return list(db.session.scalars(query))


def test_sign_in_with_correct_password_reaches_home(make_user, auth, client, app):
    user = make_user(Role.AGENCY_REP)
    response = auth.sign_in(user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert "sign_in" in audit_actions(app, user.id)


def test_email_is_case_insensitive(make_user, auth):
    user = make_user(Role.AGENCY_REP, email="mixed.case@agency.example")
    assert auth.sign_in("  Mixed.Case@AGENCY.example ").status_code == 302
    assert user.email == "mixed.case@agency.example"


def test_wrong_password_is_refused_keeps_email_and_is_audited(make_user, auth, app):
    user = make_user(Role.AGENCY_REP)
    response = auth.sign_in(user.email, "not the password at all")
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Enter a correct email address and password" in page
    assert f'value="{user.email}"' in page  # the typed email is shown again
    assert "not the password at all" not in page  # the password is not
    assert "sign_in_failed" in audit_actions(app, user.id)


def test_unknown_email_gets_the_same_message(auth):
    response = auth.sign_in("nobody@nowhere.example", "whatever password")
    assert response.status_code == 401
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_empty_form_shows_specific_errors(client):
    token = csrf_token(client)
    response = client.post("/sign-in", data={"csrf_token": token, "email": "", "password": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "Enter your email address" in page and "Enter your password" in page


def test_deactivated_user_cannot_sign_in(make_user, auth):
    user = make_user(Role.AGENCY_REP, active=False)
    assert auth.sign_in(user.email).status_code == 401


def test_throttling_ten_wrong_passwords_then_the_right_one_is_429(make_user, auth, app):
    user = make_user(Role.AGENCY_REP)
    for _ in range(10):
        assert auth.sign_in(user.email, "wrong password guess").status_code == 401
    response = auth.sign_in(user.email, PASSWORD)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page and "15 minutes" in page
    assert "sign_in_throttled" in audit_actions(app, user.id)
    # Still refused: the correct password never bypasses the throttle.
    assert auth.sign_in(user.email, PASSWORD).status_code == 429


def test_throttling_per_ip_across_accounts(make_user, auth, app):
    app.config["SIGN_IN_LIMIT_PER_IP"] = "5 per 15 minutes"
    try:
        for n in range(5):
            auth.sign_in(f"guess{n}@nowhere.example", "wrong password guess")
        user = make_user(Role.AGENCY_REP)
        assert auth.sign_in(user.email).status_code == 429
    finally:
        app.config["SIGN_IN_LIMIT_PER_IP"] = "30 per 15 minutes"


def test_successful_sign_ins_do_not_count_towards_the_limit(make_user, auth):
    user = make_user(Role.AGENCY_REP)
    for _ in range(12):
        assert auth.sign_in(user.email).status_code == 302
        auth.sign_out()


def test_session_id_changes_at_sign_in(make_user, auth, client):
    user = make_user(Role.AGENCY_REP)
    client.get("/sign-in")
    with client.session_transaction() as session:
        session["sid"] = "planted-by-an-attacker"
    auth.sign_in_as(user)
    with client.session_transaction() as session:
        first = session["sid"]
    assert first != "planted-by-an-attacker"
    auth.sign_out()
    auth.sign_in_as(user)
    with client.session_transaction() as session:
        assert session["sid"] != first


def test_cookie_copied_before_sign_out_is_refused_after_it(make_user, auth, client, app):
    user = make_user(Role.AGENCY_REP)
    auth.sign_in_as(user)
    copied = session_cookie(client)
    assert auth.sign_out().status_code == 302
    thief = app.test_client()
    thief.set_cookie("marac_session", copied)
    response = thief.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    assert "sign_out" in audit_actions(app, user.id)


def test_deactivated_users_live_session_is_refused_on_next_request(make_user, auth, client, app):
    user = make_user(Role.AGENCY_REP)
    admin = make_user(Role.ADMIN)
    auth.sign_in_as(user)
    assert client.get("/").status_code == 200
    with app.app_context():
        set_active(db.session.get(User, user.id), False, actor=db.session.get(User, admin.id))
        db.session.commit()
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    with app.app_context():
        ended = db.session.scalars(
            sa.select(UserSession).where(UserSession.user_id == user.id)
        ).all()
    assert ended and all(row.ended_at is not None for row in ended)


def test_deactivation_without_ending_sessions_still_refuses(make_user, auth, client, app):
    """Even if only the flag changes (no session cleanup), the next request is refused."""
    user = make_user(Role.AGENCY_REP)
    auth.sign_in_as(user)
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == user.id).values(active=False))
        db.session.commit()
    assert client.get("/").status_code == 302


def _age_session(app, user_id: int, **fields) -> None:
    with app.app_context():
        row = db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user_id)).one()
        for name, value in fields.items():
            setattr(row, name, value)
        db.session.commit()


def test_idle_timeout_signs_out(make_user, auth, client, app):
    user = make_user(Role.AGENCY_REP)
    auth.sign_in_as(user)
    _age_session(app, user.id, last_seen_at=utcnow() - timedelta(minutes=31))
    response = client.get("/")
    assert response.status_code == 302
    sign_in_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "had not done anything for a while" in sign_in_page


def test_activity_within_idle_window_keeps_session(make_user, auth, client, app):
    user = make_user(Role.AGENCY_REP)
    auth.sign_in_as(user)
    _age_session(app, user.id, last_seen_at=utcnow() - timedelta(minutes=29))
    assert client.get("/").status_code == 200


def test_absolute_timeout_signs_out_even_when_active(make_user, auth, client, app):
    user = make_user(Role.AGENCY_REP)
    auth.sign_in_as(user)
    _age_session(
        app, user.id, created_at=utcnow() - timedelta(hours=12, minutes=1), last_seen_at=utcnow()
    )
    assert client.get("/").status_code == 302


def test_timeouts_are_configurable(make_user, auth, client, app):
    user = make_user(Role.AGENCY_REP)
    auth.sign_in_as(user)
    _age_session(app, user.id, last_seen_at=utcnow() - timedelta(minutes=6))
    app.config["SESSION_IDLE_TIMEOUT"] = timedelta(minutes=5)
    try:
        assert client.get("/").status_code == 302
    finally:
        app.config["SESSION_IDLE_TIMEOUT"] = timedelta(minutes=30)


def test_next_parameter_only_allows_local_paths(make_user, client):
    user = make_user(Role.ADMIN)
    for target, expected in [
        ("/admin/users", "/admin/users"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ]:
        token = csrf_token(client)
        response = client.post(
            f"/sign-in?next={target}",
            data={"csrf_token": token, "email": user.email, "password": PASSWORD},
        )
        assert response.headers["Location"] == expected, target
        token = csrf_token(client, "/")
        client.post("/sign-out", data={"csrf_token": token})


def test_anonymous_request_remembers_where_it_was_going(client):
    response = client.get("/admin/users?role=chair")
    assert response.headers["Location"] == "/sign-in?next=/admin/users?role%3Dchair"


def test_session_cookie_flags(make_user, auth, client):
    user = make_user(Role.AGENCY_REP)
    response = auth.sign_in(user.email)
    cookie = next(
        v
        for k, v in response.headers.items()
        if k == "Set-Cookie" and v.startswith("marac_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookie_in_production_config(monkeypatch):
    from config import load_config

    monkeypatch.setenv("MARAC_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("MARAC_DATABASE_URL", "sqlite://")
    settings = load_config("production")
    assert settings["SESSION_COOKIE_SECURE"] is True and settings["HSTS"] is True


def test_sign_out_needs_csrf(make_user, auth, client):
    user = make_user(Role.AGENCY_REP)
    auth.sign_in_as(user)
    assert client.post("/sign-out").status_code == 400
    assert client.get("/").status_code == 200  # still signed in: nothing happened
