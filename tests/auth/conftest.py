"""Fixtures for two-factor authentication and account lifecycle tests."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from marac_app.auth import mfa
from marac_app.auth.models import User, UserMfa
from marac_app.db import utcnow
from marac_app.extensions import db
from tests.conftest import PASSWORD, csrf_token


@pytest.fixture()
def mfa_on(app: Flask) -> Iterator[None]:
    """Production behaviour: every sign-in needs a second factor."""
    before = app.config["MFA_REQUIRED"]
    app.config["MFA_REQUIRED"] = True
    try:
        yield
    finally:
        app.config["MFA_REQUIRED"] = before


class Enrolled:
    def __init__(self, secret: str, recovery_codes: list[str]) -> None:
        self.secret = secret
        self.recovery_codes = recovery_codes

    def code(self, offset_steps: int = 0) -> str:
        return pyotp.TOTP(self.secret).at(time.time() + 30 * offset_steps)


@pytest.fixture()
def enrol(app: Flask) -> Callable[[User], Enrolled]:
    """Give ``user`` a confirmed authenticator set-up (as if they had enrolled earlier)."""

    def factory(user: User) -> Enrolled:
        with app.app_context():
            secret = pyotp.random_base32()
            db.session.add(
                UserMfa(user_id=user.id, secret=secret, confirmed_at=utcnow(), created_at=utcnow())
            )
            codes = mfa._new_recovery_codes(db.session.get(User, user.id))
            db.session.commit()
            return Enrolled(secret, codes)

    return factory


def password_step(client: FlaskClient, email: str, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post("/sign-in", data={"csrf_token": token, "email": email, "password": password})


def code_step(client: FlaskClient, code: str, path: str = "/sign-in/code"):
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, "code": code})


def sign_in_with_code(client: FlaskClient, user: User, code: str):
    first = password_step(client, user.email)
    assert first.status_code == 302 and first.headers["Location"] == "/sign-in/code", (
        first.status_code,
        first.headers.get("Location"),
    )
    return code_step(client, code)


def is_signed_in(client: FlaskClient) -> bool:
    response = client.get("/account")
    return response.status_code == 200


def mails_to(outbox: Path, address: str) -> list[str]:
    bodies = []
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        with path.open("rb") as handle:
            message = BytesParser(policy=policy.default).parse(handle)
        if message["To"] == address:
            bodies.append(message.get_body(("plain",)).get_content())
    return bodies


RESET_LINK = re.compile(r"/reset-password/([A-Za-z0-9_\-]+)")


def reset_token_from(outbox: Path, address: str) -> str:
    mails = mails_to(outbox, address)
    assert mails, f"no email to {address}"
    match = RESET_LINK.search(mails[-1])
    assert match
    return match.group(1)
