"""Shared fixtures.

The suite runs on SQLite (a temporary file, WAL) by default, and on PostgreSQL when
``MARAC_TEST_DATABASE_URL`` is set. The schema is built once per run by the real migrations
(``upgrade head`` on an empty database). Each test then runs inside one outer transaction
that is rolled back at the end; the app's own commits become savepoints inside it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession

from marac_app import create_app
from marac_app.auth import passwords
from marac_app.auth.models import User
from marac_app.extensions import db, limiter

PASSWORD = "correct horse battery staple"

pytest_plugins = ["tests.fixtures"]
POSTGRES_URL = os.environ.get("MARAC_TEST_DATABASE_URL")


def reset_postgres(url: str) -> None:
    """Empty the test database (the audit triggers refuse DELETE, so drop the schema)."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def worker_postgres_url(url: str) -> str:
    """Under pytest-xdist each worker gets a database of its own beside ``url``'s
    (``test_gw0``, ``test_gw1``…), created fresh; without xdist, ``url`` itself."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    parsed = sa.make_url(url)
    mine = parsed.set(database=f"{parsed.database}_{worker}")
    engine = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{mine.database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{mine.database}"'))
    engine.dispose()
    return mine.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if POSTGRES_URL:
        url = worker_postgres_url(POSTGRES_URL)
        reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'marac-test.sqlite3'}"


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    application = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        OUTBOX_DIR=str(tmp_path_factory.mktemp("outbox")),
    )
    with application.app_context():
        upgrade()  # the real migrations, on an empty database
    yield application
    with application.app_context():
        db.engine.dispose()


class BoundSession(FlaskSession):
    """Uses the test's connection (Flask-SQLAlchemy would pick the engine instead)."""

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        return self.bind


@pytest.fixture(autouse=True)
def db_transaction(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[sa.Connection]:
    """Run the test inside one transaction, rolled back afterwards (commits → savepoints).

    No app context stays pushed during the test: each request gets its own, as in production
    (a shared one would leak ``g`` between requests).
    """
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    scoped = db._make_scoped_session(
        {
            "class_": BoundSession,
            "bind": connection,
            "join_transaction_mode": "create_savepoint",
            "expire_on_commit": False,  # as the app's own session (extensions.py)
        }
    )
    monkeypatch.setattr(db, "session", scoped)
    limiter.reset()
    try:
        yield connection
    finally:
        with app.app_context():
            scoped.remove()
        if outer.is_active:
            outer.rollback()
        connection.close()


@pytest.fixture()
def app_ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# --- Factories -------------------------------------------------------------------------

# make_area, make_agency, make_user and the other factories: tests/fixtures.py.

# Hashing is deliberately slow; one hash serves every factory-made user.
_HASH_CACHE: dict[str, str] = {}


def password_hash(password: str) -> str:
    if password not in _HASH_CACHE:
        _HASH_CACHE[password] = passwords.hash_password(password)
    return _HASH_CACHE[password]


# --- Signing in through the real form ---------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/sign-in") -> str:
    """Fetch ``path`` and return the CSRF token its form carries."""
    response = client.get(path)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} (status {response.status_code})"
    return match.group(1)


class Auth:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def sign_in(self, email: str, password: str = PASSWORD) -> Any:
        token = csrf_token(self.client)
        return self.client.post(
            "/sign-in", data={"csrf_token": token, "email": email, "password": password}
        )

    def sign_in_as(self, user: User, password: str = PASSWORD) -> Any:
        response = self.sign_in(user.email, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def sign_out(self) -> Any:
        token = csrf_token(self.client, "/")
        return self.client.post("/sign-out", data={"csrf_token": token})

    def post(self, path: str, data: dict[str, Any], *, form_path: str | None = None) -> Any:
        """POST ``data`` with the CSRF token from ``form_path`` (default the page itself)."""
        token = csrf_token(self.client, form_path or path)
        return self.client.post(path, data={"csrf_token": token, **data})


@pytest.fixture()
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("marac_session")
    assert cookie is not None
    return cookie.value


@pytest.fixture()
def outbox(app: Flask) -> Path:
    return Path(app.config["OUTBOX_DIR"])


# --- Information-sharing protocol (shared by every feature's tests) ----------------------
