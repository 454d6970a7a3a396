"""The session cookie in production: ``__Host-`` prefixed, Secure, Path=/, no Domain, HttpOnly,
SameSite=Lax (issue 11 §3, "Info"). The session also carries the CSRF token: no other cookie."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import load_config
from marac_app import create_app


@pytest.fixture()
def production_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("MARAC_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("MARAC_DATABASE_URL", f"sqlite:///{tmp_path / 'production.sqlite3'}")
    monkeypatch.setenv("MARAC_JOBS_BACKEND", "inline")
    monkeypatch.delenv("MARAC_SECURE_COOKIES", raising=False)
    return str(tmp_path)


def test_production_names_the_session_cookie_with_the_host_prefix(production_env: str) -> None:
    settings = load_config("production")
    assert settings["SESSION_COOKIE_NAME"] == "__Host-marac_session"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_PATH"] == "/"
    assert not settings["SESSION_COOKIE_DOMAIN"]
    assert load_config("testing")["SESSION_COOKIE_NAME"] == "marac_session"


def test_a_production_app_sets_only_a_valid_host_prefixed_cookie(production_env: str) -> None:
    app = create_app("production", OUTBOX_DIR=production_env)
    response = app.test_client().get("/sign-in", base_url="https://marac.example")
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1, cookies
    cookie = cookies[0]
    name, _, rest = cookie.partition("=")
    attributes = {part.strip().split("=")[0].lower() for part in rest.split(";")[1:]}
    assert name == "__Host-marac_session"
    # What a browser requires of a __Host- cookie, and the app's own flags.
    assert {"secure", "path", "httponly", "samesite"} <= attributes
    assert "domain" not in attributes
    assert "Path=/;" in cookie + ";" and "SameSite=Lax" in cookie
