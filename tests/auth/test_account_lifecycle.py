"""Account lifecycle: forgotten-password reset, password change, signing out elsewhere, and
a copied cookie refused after each way a session ends (SECURITY.md: sessions)."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from marac_app.audit import AuditEvent
from marac_app.auth.models import PasswordToken, Role, TokenPurpose, User, UserSession
from marac_app.auth.passwords import verify_password
from marac_app.db import utcnow
from marac_app.extensions import db
from tests.auth.conftest import (
    code_step,
    is_signed_in,
    mails_to,
    password_step,
    reset_token_from,
    sign_in_with_code,
)
from tests.conftest import PASSWORD, Auth, csrf_token, session_cookie

NEW_PASSWORD = "plum tractor lighthouse velvet"
SAME_RESPONSE = "If an account exists for that email address, we have sent a link"


def refused(app, cookie: str) -> bool:
    """A fresh client presenting ``cookie`` is sent to sign-in."""
    thief = app.test_client()
    thief.set_cookie("marac_session", cookie)
    response = thief.get("/")
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def live_sessions(app, user_id: int) -> int:
    with app.app_context():
        return (
            db.session.scalar(
                sa.select(sa.func.count(UserSession.id)).where(
                    UserSession.user_id == user_id, UserSession.ended_at.is_(None)
                )
            )
            or 0
        )


def actions(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent.action)
                .where(AuditEvent.object_id == str(user_id))
                .order_by(AuditEvent.id)
            )
        )


def ask_reset(client, email: str):
    token = csrf_token(client, "/reset-password")
    return client.post(
        "/reset-password", data={"csrf_token": token, "email": email}, follow_redirects=True
    )


def choose_password(client, token: str, password: str = NEW_PASSWORD):
    path = f"/reset-password/{token}"
    form_token = csrf_token(client, "/reset-password")
    return client.post(
        path, data={"csrf_token": form_token, "password": password, "confirm": password}
    )


# --- Forgotten password --------------------------------------------------------------------


def test_sign_in_page_links_to_reset(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Forgot your password?" in page and 'href="/reset-password"' in page


def test_reset_response_is_the_same_whether_or_not_the_email_exists(make_user, client, outbox, app):
    user = make_user(Role.AGENCY_REP)
    known = ask_reset(client, user.email)
    unknown = ask_reset(client, "nobody-here@nowhere.example")
    assert known.status_code == unknown.status_code == 200
    assert SAME_RESPONSE in known.get_data(as_text=True)

    def without_nonce(response) -> str:
        return re.sub(r'nonce="[^"]*"', "", response.get_data(as_text=True))

    assert without_nonce(known) == without_nonce(unknown)
    assert len(mails_to(outbox, user.email)) == 1
    assert mails_to(outbox, "nobody-here@nowhere.example") == []
    assert "password_reset_link_issued" in actions(app, user.id)


def test_reset_form_errors(client):
    token = csrf_token(client, "/reset-password")
    response = client.post("/reset-password", data={"csrf_token": token, "email": "not-email"})
    assert response.status_code == 400
    assert "Enter an email address in the correct format" in response.get_data(as_text=True)


def test_reset_sets_a_new_password_ends_sessions_and_token_works_once(
    make_user, auth, client, outbox, app
):
    user = make_user(Role.AGENCY_REP)
    auth.sign_in_as(user)
    copied = session_cookie(client)
    other = app.test_client()
    ask_reset(other, user.email)
    token = reset_token_from(outbox, user.email)
    with app.app_context():
        row = db.session.scalars(
            sa.select(PasswordToken).where(PasswordToken.user_id == user.id)
        ).one()
        assert row.purpose == TokenPurpose.RESET_PASSWORD
        assert row.expires_at - row.created_at == timedelta(hours=1)
        assert row.token_hash != token  # only the hash is stored

    page = other.get(f"/reset-password/{token}")
    assert page.status_code == 200 and "Choose a new password" in page.get_data(as_text=True)
    weak = choose_password(other, token, "password1")
    assert weak.status_code == 400 and "too common" in weak.get_data(as_text=True)
    done = choose_password(other, token)
    assert done.status_code == 302 and done.headers["Location"] == "/sign-in"
    with app.app_context():
        assert verify_password(db.session.get(User, user.id).password_hash, NEW_PASSWORD)
    assert refused(app, copied)
    assert live_sessions(app, user.id) == 0
    # Single use.
    again = other.get(f"/reset-password/{token}")
    assert again.status_code == 404
    assert "expired or has already been used" in again.get_data(as_text=True)
    assert choose_password(other, token, "another long pass phrase").status_code == 404
    assert Auth(app.test_client()).sign_in(user.email, NEW_PASSWORD).status_code == 302
    assert "password_reset" in actions(app, user.id)


def test_reset_link_expires_after_one_hour(make_user, client, outbox, app):
    user = make_user(Role.AGENCY_REP)
    ask_reset(client, user.email)
    token = reset_token_from(outbox, user.email)
    with app.app_context():
        row = db.session.scalars(
            sa.select(PasswordToken).where(PasswordToken.user_id == user.id)
        ).one()
        row.created_at = utcnow() - timedelta(hours=1, minutes=1)
        row.expires_at = row.created_at + timedelta(hours=1)
        db.session.commit()
    assert client.get(f"/reset-password/{token}").status_code == 404
    assert choose_password(client, token).status_code == 404


def test_reset_token_cannot_be_used_as_a_set_password_link(make_user, client, outbox):
    user = make_user(Role.AGENCY_REP)
    ask_reset(client, user.email)
    token = reset_token_from(outbox, user.email)
    assert client.get(f"/set-password/{token}").status_code == 404


def test_mfa_is_still_asked_after_a_reset(mfa_on, make_user, enrol, client, outbox, app):
    user = make_user(Role.AGENCY_REP)
    device = enrol(user)
    ask_reset(client, user.email)
    choose_password(client, reset_token_from(outbox, user.email))
    response = password_step(client, user.email, NEW_PASSWORD)
    assert response.headers["Location"] == "/sign-in/code"
    assert not is_signed_in(client)
    assert code_step(client, device.code()).status_code == 302
    assert is_signed_in(client)


def test_reset_requests_are_throttled_per_email(make_user, client, outbox, app):
    user = make_user(Role.AGENCY_REP)
    for _ in range(3):
        assert ask_reset(client, user.email).status_code == 200
    blocked = ask_reset(client, user.email.upper())
    assert blocked.status_code == 429 and "Too many requests" in blocked.get_data(as_text=True)
    assert len(mails_to(outbox, user.email)) == 3
    # An unknown address is throttled the same way (no hint about which accounts exist).
    for _ in range(3):
        ask_reset(client, "ghost@nowhere.example")
    assert ask_reset(client, "ghost@nowhere.example").status_code == 429


def test_reset_requests_are_throttled_per_ip(client, app):
    app.config["PASSWORD_RESET_LIMIT_PER_IP"] = "5 per hour"
    try:
        for n in range(5):
            assert ask_reset(client, f"someone{n}@nowhere.example").status_code == 200
        assert ask_reset(client, "fresh@nowhere.example").status_code == 429
    finally:
        app.config["PASSWORD_RESET_LIMIT_PER_IP"] = "20 per hour"


def test_reset_for_a_deactivated_account_sends_nothing(make_user, client, outbox):
    user = make_user(Role.AGENCY_REP, active=False)
    assert SAME_RESPONSE in ask_reset(client, user.email).get_data(as_text=True)
    assert mails_to(outbox, user.email) == []


# --- Changing the password -------------------------------------------------------------------


def change(client, current: str, new: str = NEW_PASSWORD, confirm: str | None = None):
    token = csrf_token(client, "/account/password")
    return client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current": current,
            "password": new,
            "confirm": new if confirm is None else confirm,
        },
    )


def test_change_password_needs_the_current_password(make_user, auth, client, app):
    user = make_user(Role.AGENCY_REP)
    auth.sign_in_as(user)
    response = change(client, "not my password")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your current password is not correct" in page
    assert NEW_PASSWORD not in page
    with app.app_context():
        assert verify_password(db.session.get(User, user.id).password_hash, PASSWORD)
    assert "password_change_failed" in actions(app, user.id)
    mismatch = change(client, PASSWORD, NEW_PASSWORD, "something else entirely")
    assert mismatch.status_code == 400 and "Passwords do not match" in mismatch.get_data(
        as_text=True
    )
    empty = change(client, "", "", "")
    assert empty.status_code == 400 and "Enter your current password" in empty.get_data(
        as_text=True
    )


def test_change_password_ends_other_sessions_and_keeps_this_one(make_user, auth, client, app):
    user = make_user(Role.AGENCY_REP)
    elsewhere = app.test_client()
    Auth(elsewhere).sign_in_as(user)
    copied = session_cookie(elsewhere)
    auth.sign_in_as(user)
    response = change(client, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    page = client.get("/account").get_data(as_text=True)
    assert "Your password has been changed" in page and "1 other session" in page
    assert is_signed_in(client)  # this session is kept
    assert refused(app, copied)  # the other one is not
    assert live_sessions(app, user.id) == 1
    assert "password_changed" in actions(app, user.id)
    assert Auth(app.test_client()).sign_in(user.email, NEW_PASSWORD).status_code == 302


def test_change_password_wrong_current_is_throttled(make_user, auth, client, app):
    user = make_user(Role.AGENCY_REP)
    auth.sign_in_as(user)
    for _ in range(5):
        assert change(client, "wrong guess here").status_code == 400
    assert change(client, PASSWORD).status_code == 429


# --- Sessions ---------------------------------------------------------------------------------


def test_sign_out_of_all_other_sessions(make_user, auth, client, app):
    user = make_user(Role.AGENCY_REP)
    copies = []
    for _ in range(2):
        other = app.test_client()
        Auth(other).sign_in_as(user)
        copies.append(session_cookie(other))
    auth.sign_in_as(user)
    account = client.get("/account").get_data(as_text=True)
    assert "2 other sessions" in account and "Sign out of all other sessions" in account
    token = csrf_token(client, "/account")
    response = client.post("/account/sign-out-other-sessions", data={"csrf_token": token})
    assert response.status_code == 302
    assert "signed out of all other sessions" in client.get("/account").get_data(as_text=True)
    assert all(refused(app, cookie) for cookie in copies)
    assert is_signed_in(client)
    assert "other_sessions_ended" in actions(app, user.id)


def test_cookie_copied_before_each_way_a_session_ends_is_refused(
    mfa_on, make_user, enrol, auth, client, app
):
    """Sign-out, password change, MFA reset and deactivation all end the session server-side."""
    admin = make_user(Role.ADMIN)
    admin_device = enrol(admin)
    assert sign_in_with_code(client, admin, admin_device.code()).status_code == 302

    def signed_in_copy(user, device):
        other = app.test_client()
        assert sign_in_with_code(other, user, device.code()).status_code == 302
        return other, session_cookie(other)

    def admin_post(path):
        token = csrf_token(client, "/admin/users")
        return client.post(path, data={"csrf_token": token})

    # Sign-out.
    user = make_user(Role.AGENCY_REP)
    device = enrol(user)
    other, copied = signed_in_copy(user, device)
    Auth(other).sign_out()
    assert refused(app, copied)
    # Password change (from another session of the user).
    user = make_user(Role.AGENCY_REP)
    device = enrol(user)
    _, copied = signed_in_copy(user, device)
    changer = app.test_client()
    assert password_step(changer, user.email).status_code == 302
    assert code_step(changer, device.code(offset_steps=1)).status_code == 302
    assert change(changer, PASSWORD).status_code == 302
    assert refused(app, copied)
    # MFA reset by an admin.
    user = make_user(Role.AGENCY_REP)
    device = enrol(user)
    _, copied = signed_in_copy(user, device)
    assert admin_post(f"/admin/users/{user.id}/reset-two-factor").status_code == 302
    assert refused(app, copied)
    # Deactivation by an admin.
    user = make_user(Role.AGENCY_REP)
    device = enrol(user)
    _, copied = signed_in_copy(user, device)
    token = csrf_token(client, "/admin/users")
    response = client.post(
        f"/admin/users/{user.id}/active", data={"csrf_token": token, "active": "0"}
    )
    assert response.status_code == 302
    assert refused(app, copied)
