"""TOTP two-factor authentication (SECURITY.md: single-use codes, rate-limited, recovery
codes stored hashed; an admin can reset it; required in production)."""

from __future__ import annotations

import re

import pyotp
import pytest
import sqlalchemy as sa

from config import load_config
from marac_app.audit import AuditEvent
from marac_app.auth.models import RecoveryCode, Role, User, UserMfa, UserSession
from marac_app.extensions import db
from tests.auth.conftest import code_step, is_signed_in, password_step, sign_in_with_code
from tests.conftest import PASSWORD, csrf_token, session_cookie


def actions(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent.action)
                .where(sa.or_(AuditEvent.actor_id == user_id, AuditEvent.object_id == str(user_id)))
                .order_by(AuditEvent.id)
            )
        )


def mfa_row(app, user_id: int) -> UserMfa | None:
    with app.app_context():
        return db.session.scalar(sa.select(UserMfa).where(UserMfa.user_id == user_id))


# --- Enrolment ---------------------------------------------------------------------------


def test_first_sign_in_enrols_with_a_server_drawn_svg_qr_and_the_key(
    mfa_on, make_user, client, app
):
    user = make_user(Role.AGENCY_REP)
    response = password_step(client, user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in/set-up-two-factor"
    # The password alone is not a session: signed-in pages still send to sign-in.
    assert not is_signed_in(client)

    page = client.get("/sign-in/set-up-two-factor")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in html  # drawn on the server, no external service
    assert "<script>" not in html
    secret = mfa_row(app, user.id).pending_secret
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert grouped in html
    # Reloading shows the same key (the app may have scanned it already).
    assert grouped in client.get("/sign-in/set-up-two-factor").get_data(as_text=True)

    confirmed = code_step(client, pyotp.TOTP(secret).now(), "/sign-in/set-up-two-factor")
    codes_page = confirmed.get_data(as_text=True)
    assert confirmed.status_code == 200
    assert "Save your recovery codes" in codes_page
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", codes_page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert is_signed_in(client)
    row = mfa_row(app, user.id)
    assert row.enrolled and row.pending_secret is None and row.secret == secret
    with app.app_context():
        stored = db.session.scalars(
            sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
        ).all()
    assert len(stored) == 10
    assert not {c.replace("-", "") for c in codes} & set(stored)  # only hashes are stored
    assert {"sign_in_password_accepted", "mfa_enrolled", "sign_in"} <= set(actions(app, user.id))
    # Shown once: the account page gives the count, not the codes.
    account = client.get("/account").get_data(as_text=True)
    assert "10 unused recovery codes" in account and codes[0] not in account


def test_wrong_enrolment_code_is_refused_and_does_not_sign_in(mfa_on, make_user, client, app):
    user = make_user(Role.AGENCY_REP)
    password_step(client, user.email)
    client.get("/sign-in/set-up-two-factor")
    response = code_step(client, "000000", "/sign-in/set-up-two-factor")
    assert response.status_code == 400
    assert "Enter the 6-digit code shown in your authenticator app now" in response.get_data(
        as_text=True
    )
    assert not is_signed_in(client)
    assert not mfa_row(app, user.id).enrolled


def test_setup_page_without_a_password_first_goes_to_sign_in(client):
    response = client.get("/sign-in/set-up-two-factor")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert client.get("/sign-in/code").headers["Location"] == "/sign-in"


# --- Signing in with a code --------------------------------------------------------------


def test_sign_in_with_totp(mfa_on, make_user, enrol, client, app):
    user = make_user(Role.AGENCY_REP)
    device = enrol(user)
    first = password_step(client, user.email)
    assert first.headers["Location"] == "/sign-in/code"
    assert not is_signed_in(client)
    page = client.get("/sign-in/code").get_data(as_text=True)
    assert "Enter your security code" in page
    response = code_step(client, device.code())
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert "mfa_verified" in actions(app, user.id)


def test_next_destination_survives_the_code_step(mfa_on, make_user, enrol, client):
    user = make_user(Role.AGENCY_REP)
    device = enrol(user)
    token = csrf_token(client)
    client.post(
        "/sign-in?next=/account",
        data={"csrf_token": token, "email": user.email, "password": "correct horse battery staple"},
    )
    assert code_step(client, device.code()).headers["Location"] == "/account"


def test_enrolled_user_is_asked_for_a_code_even_when_not_required(make_user, enrol, client, app):
    assert app.config["MFA_REQUIRED"] is False
    user = make_user(Role.AGENCY_REP)
    enrol(user)
    assert password_step(client, user.email).headers["Location"] == "/sign-in/code"


def test_replayed_code_in_the_same_window_is_refused(mfa_on, make_user, enrol, client, auth):
    user = make_user(Role.AGENCY_REP)
    device = enrol(user)
    code = device.code()
    assert sign_in_with_code(client, user, code).status_code == 302
    auth.sign_out()
    replay = sign_in_with_code(client, user, code)
    assert replay.status_code == 401
    assert "has been used already" in replay.get_data(as_text=True)
    assert not is_signed_in(client)
    # The next code (the following 30-second step) is accepted.
    assert code_step(client, device.code(offset_steps=1)).status_code == 302


def test_wrong_codes_are_rate_limited_with_429_and_audited(mfa_on, make_user, enrol, client, app):
    user = make_user(Role.AGENCY_REP)
    device = enrol(user)
    password_step(client, user.email)
    for guess in ("111111", "222222", "333333", "444444", "555555"):
        response = code_step(client, guess)
        assert response.status_code == 401
        assert "The code is not correct" in response.get_data(as_text=True)
    blocked = code_step(client, device.code())  # even the right code while throttled
    assert blocked.status_code == 429
    text = blocked.get_data(as_text=True)
    assert "Too many attempts" in text and "5 minutes" in text
    assert not is_signed_in(client)
    seen = actions(app, user.id)
    assert seen.count("mfa_failed") == 5 and "mfa_throttled" in seen


def test_recovery_code_works_once(mfa_on, make_user, enrol, client, auth, app):
    user = make_user(Role.AGENCY_REP)
    device = enrol(user)
    code = device.recovery_codes[3]
    response = sign_in_with_code(client, user, code.upper())  # case and hyphen do not matter
    assert response.status_code == 302
    assert "9 left" in client.get("/").get_data(as_text=True)
    auth.sign_out()
    again = sign_in_with_code(client, user, code)
    assert again.status_code == 401
    assert not is_signed_in(client)
    assert "detail" not in code  # (sanity) and the audit names the method, never the code
    with app.app_context():
        details = db.session.scalars(
            sa.select(AuditEvent.detail).where(
                AuditEvent.action == "mfa_verified", AuditEvent.actor_id == user.id
            )
        ).all()
    assert details == ["method=recovery_code; left=9"]


def test_re_enrolling_from_the_account_page_keeps_old_app_until_confirmed(
    make_user, enrol, client, app
):
    user = make_user(Role.AGENCY_REP)
    device = enrol(user)
    sign_in_with_code(client, user, device.code())
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and "Set up two-factor authentication again" in page.get_data(
        as_text=True
    )
    row = mfa_row(app, user.id)
    assert row.secret == device.secret and row.pending_secret
    new_code = pyotp.TOTP(row.pending_secret).now()
    # A live session alone is not enough to replace a working authenticator.
    refused = code_step(client, new_code, "/account/two-factor")
    assert refused.status_code == 400 and "Enter your password" in refused.get_data(as_text=True)
    token = csrf_token(client, "/account/two-factor")
    wrong = client.post(
        "/account/two-factor",
        data={"csrf_token": token, "code": new_code, "password": "not my password"},
    )
    assert wrong.status_code == 400
    assert "Your password is not correct" in wrong.get_data(as_text=True)
    assert mfa_row(app, user.id).secret == device.secret
    done = client.post(
        "/account/two-factor", data={"csrf_token": token, "code": new_code, "password": PASSWORD}
    )
    assert done.status_code == 200 and "Save your recovery codes" in done.get_data(as_text=True)
    assert mfa_row(app, user.id).secret == row.pending_secret
    assert {"mfa_reenrolled", "mfa_reenrol_password_wrong"} <= set(actions(app, user.id))


# --- Admin reset -------------------------------------------------------------------------


def test_admin_mfa_reset_ends_sessions_and_forces_re_enrolment(
    mfa_on, make_user, enrol, client, app
):
    user = make_user(Role.AGENCY_REP)
    admin = make_user(Role.ADMIN)
    device = enrol(user)
    admin_device = enrol(admin)
    victim = app.test_client()
    assert sign_in_with_code(victim, user, device.code()).status_code == 302
    copied = session_cookie(victim)

    assert sign_in_with_code(client, admin, admin_device.code()).status_code == 302
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Reset two-factor authentication" in page and "Set up" in page
    token = csrf_token(client, f"/admin/users/{user.id}")
    response = client.post(f"/admin/users/{user.id}/reset-two-factor", data={"csrf_token": token})
    assert response.status_code == 302
    assert "has been reset" in client.get(response.headers["Location"]).get_data(as_text=True)

    assert mfa_row(app, user.id) is None
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id)
            )
            == 0
        )
        live = db.session.scalars(
            sa.select(UserSession).where(
                UserSession.user_id == user.id, UserSession.ended_at.is_(None)
            )
        ).all()
    assert live == []
    # The cookie copied before the reset is refused on a fresh client.
    thief = app.test_client()
    thief.set_cookie("marac_session", copied)
    assert thief.get("/").status_code == 302
    # Next sign-in: set up again before getting in.
    fresh = app.test_client()
    assert password_step(fresh, user.email).headers["Location"] == "/sign-in/set-up-two-factor"
    assert "mfa_reset" in actions(app, user.id)


def test_reset_needs_csrf_and_admin_role(make_user, enrol, auth, client, app):
    user = make_user(Role.AGENCY_REP)
    enrol(user)
    other = make_user(Role.COORDINATOR)
    auth.sign_in_as(other)
    token = csrf_token(client, "/")
    assert (
        client.post(
            f"/admin/users/{user.id}/reset-two-factor", data={"csrf_token": token}
        ).status_code
        == 403
    )
    assert mfa_row(app, user.id) is not None
    client2 = app.test_client()
    admin = make_user(Role.ADMIN)
    from tests.conftest import Auth

    Auth(client2).sign_in_as(admin)
    assert client2.post(f"/admin/users/{user.id}/reset-two-factor").status_code == 400
    assert mfa_row(app, user.id) is not None


# --- Configuration and banner ------------------------------------------------------------


def test_production_always_requires_mfa(monkeypatch):
    monkeypatch.setenv("MARAC_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("MARAC_DATABASE_URL", "sqlite://")
    monkeypatch.setenv("MARAC_MFA_REQUIRED", "false")
    assert load_config("production")["MFA_REQUIRED"] is True
    assert load_config("development")["MFA_REQUIRED"] is False
    monkeypatch.setenv("MARAC_MFA_REQUIRED", "true")
    assert load_config("development")["MFA_REQUIRED"] is True
    assert load_config("testing")["MFA_REQUIRED"] is False


BANNER = "Two-factor authentication is switched off in this development environment"


def test_banner_when_mfa_is_switched_off(make_user, auth, client, app):
    user = make_user(Role.AGENCY_REP)
    assert BANNER not in client.get("/sign-in").get_data(as_text=True)
    auth.sign_in_as(user)
    assert BANNER in client.get("/").get_data(as_text=True)
    app.config["MFA_REQUIRED"] = True
    try:
        assert BANNER not in client.get("/").get_data(as_text=True)
    finally:
        app.config["MFA_REQUIRED"] = False


@pytest.mark.parametrize("path", ["/sign-in/code", "/sign-in/set-up-two-factor"])
def test_pending_state_expires(mfa_on, make_user, enrol, client, app, path):
    user = make_user(Role.AGENCY_REP)
    enrol(user)
    password_step(client, user.email)
    with client.session_transaction() as session:
        pending = dict(session["mfa_pending"])
        pending["at"] -= 11 * 60
        session["mfa_pending"] = pending
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert "timed out" in client.get("/sign-in").get_data(as_text=True)


def test_deactivated_user_with_pending_state_cannot_finish(mfa_on, make_user, enrol, client, app):
    user = make_user(Role.AGENCY_REP)
    device = enrol(user)
    password_step(client, user.email)
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == user.id).values(active=False))
        db.session.commit()
    response = client.post(
        "/sign-in/code", data={"csrf_token": csrf_token(client, "/sign-in"), "code": device.code()}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert not is_signed_in(client)


def test_totp_key_is_encrypted_at_rest(make_user, enrol, app, db_transaction):
    """A copy of the database alone does not give away anyone's authenticator key."""
    user = make_user(Role.AGENCY_REP)
    secret = enrol(user).secret
    raw = db_transaction.execute(
        sa.text("SELECT secret FROM user_mfa WHERE user_id = :id"), {"id": user.id}
    ).scalar()
    assert raw and secret not in raw and raw.startswith("gAAAA")  # a Fernet token
    assert mfa_row(app, user.id).secret == secret  # the app reads it back
