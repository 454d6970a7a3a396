"""The foundation's promises: security headers, CSRF everywhere, the health check, production
configuration that fails fast, error pages without internals, and the CLI."""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa
from flask import Flask

from config import ConfigError, load_config
from marac_app import create_app
from marac_app.audit import AuditEvent
from marac_app.auth.models import Role, User
from marac_app.extensions import db
from tests.conftest import PASSWORD

# --- Security headers -------------------------------------------------------------------


def _assert_security_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_security_headers_on_public_and_signed_in_pages(make_user, auth, client) -> None:
    _assert_security_headers(client.get("/sign-in"))
    _assert_security_headers(client.get("/healthz"))
    _assert_security_headers(client.get("/no-such-page"))
    auth.sign_in_as(make_user(Role.COORDINATOR))
    home = client.get("/")
    _assert_security_headers(home)
    assert home.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in home.headers  # HSTS only in production


def test_https_form_post_with_same_origin_referer_passes_csrf(make_user, auth, client) -> None:
    """Regression: with Referrer-Policy no-referrer every HTTPS form post failed Flask-WTF's
    strict referrer check. Browsers send a same-origin Referer under same-origin policy."""
    user = make_user(Role.AGENCY_REP)
    page = client.get("/sign-in", base_url="https://marac.example")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    response = client.post(
        "/sign-in",
        base_url="https://marac.example",
        headers={"Referer": "https://marac.example/sign-in"},
        data={"csrf_token": token.group(1), "email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    forged = client.post(
        "/sign-in",
        base_url="https://marac.example",
        headers={"Referer": "https://evil.example/"},
        data={"csrf_token": token.group(1), "email": user.email, "password": PASSWORD},
    )
    assert forged.status_code == 400


def test_hsts_in_production(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("MARAC_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("MARAC_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    app = create_app("production")
    response = app.test_client().get("/sign-in")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


# --- CSRF ---------------------------------------------------------------------------------


def test_every_post_route_refuses_a_request_without_csrf_token(
    app: Flask, make_user, auth, client
) -> None:
    """Signed in as an admin (who passes most role checks), a POST without the token is
    refused with 400 on every route that accepts POST, and nothing is written."""
    from tests.test_access import concrete_url

    auth.sign_in_as(make_user(Role.ADMIN))
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        response = client.post(concrete_url(rule), data={"name": "Forged"})
        assert response.status_code == 400, (rule.endpoint, response.status_code)
        checked += 1
    assert checked >= 5
    with app.app_context():
        forged = db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action.notlike("access_%"), AuditEvent.id > before
            )
        )
    assert forged == 0


def test_csrf_failure_page_says_what_to_do(client) -> None:
    response = client.post("/sign-in", data={"email": "a@b.example", "password": "x"})
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)


# --- Health check ------------------------------------------------------------------------


def test_healthz_reports_ok_without_sign_in(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_down(monkeypatch) -> None:
    # A session of the app's own (the suite otherwise binds every session to its test
    # connection), pointed at a server that does not exist.
    monkeypatch.setattr(db, "session", db._make_scoped_session({}))
    broken = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}},
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unavailable"}


# --- Configuration -------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["MARAC_SECRET_KEY", "MARAC_DATABASE_URL"])
def test_production_refuses_to_start_without_secret_or_database(monkeypatch, missing) -> None:
    monkeypatch.setenv("MARAC_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("MARAC_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/test")
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=f"{missing} must be set in production"):
        load_config("production")


def test_production_refuses_a_short_secret(monkeypatch) -> None:
    monkeypatch.setenv("MARAC_SECRET_KEY", "short")
    monkeypatch.setenv("MARAC_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/test")
    with pytest.raises(ConfigError, match="at least 32 characters"):
        load_config("production")


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigError, match="MARAC_ENV must be one of"):
        load_config("staging")


# --- Error pages ----------------------------------------------------------------------------


def test_500_page_shows_no_internals(app: Flask, make_user, auth, client, monkeypatch) -> None:
    from marac_app.main import views

    auth.sign_in_as(make_user(Role.COORDINATOR))

    def explode(*args, **kwargs):
        raise RuntimeError("SELECT secret_victim_name FROM marac_case")

    monkeypatch.setattr(views, "render_template", explode)
    monkeypatch.setitem(app.config, "PROPAGATE_UNEXPECTED", False)
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in page
    assert "secret_victim_name" not in page and "Traceback" not in page


def test_404_page_is_plain(make_user, auth, client) -> None:
    auth.sign_in_as(make_user(Role.COORDINATOR))
    response = client.get("/definitely/not/here")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in page and "Traceback" not in page
    assert response.headers["Cache-Control"] == "no-store"


# --- CLI -------------------------------------------------------------------------------------


def test_create_user_cli_with_password_on_stdin(app: Flask, make_agency, make_area) -> None:
    area = make_area(name="Clitown", code="CLI")
    agency = make_agency(name="Cli Agency", areas=[area])
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "New.Person@Agency.example",
            "--name",
            "New Person",
            "--role",
            "coordinator",
            "--agency",
            agency.name,
            "--area",
            "clitown",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "new.person@agency.example"))
        assert user is not None and user.role == Role.COORDINATOR and user.area_id == area.id
        assert user.password_hash.startswith("$argon2id$")


def test_create_user_cli_explains_a_missing_agency_or_area(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "c@x.example",
            "--name",
            "C",
            "--role",
            "chair",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code != 0
    assert "Select the agency of this marac chair" in result.output
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "c@x.example",
            "--name",
            "C",
            "--role",
            "agency_rep",
            "--agency",
            "Nope",
        ],
        input="",
    )
    assert result.exit_code != 0 and "No agency is called 'Nope'" in result.output


def test_create_user_cli_refuses_a_weak_password(app: Flask, make_agency) -> None:
    agency = make_agency()
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--email",
            "weak@x.example",
            "--name",
            "W",
            "--role",
            "agency_rep",
            "--agency",
            agency.name,
            "--password-stdin",
        ],
        input="password\n",
    )
    assert result.exit_code != 0 and "too common" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "weak@x.example")) is None


def test_seed_demo_is_idempotent_and_prints_the_sign_ins(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "coordinator@demo.example" in first.output
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count(User.id)))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "nothing added" in second.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == count


def test_seed_demo_prints_the_sign_ins_without_the_audit_log_lines(app: Flask) -> None:
    """Regression (issue 16): seeding printed ~35 audit log lines (then, with the past cycle,
    ~20 more from mail, copies and notifications) before the sign-in table, pushing it off the
    first screen of `make run`. The events are still written."""
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    handler = Keep(level=logging.DEBUG)
    app_logger = logging.getLogger("marac_app")
    app_logger.addHandler(handler)
    try:
        result = app.test_cli_runner().invoke(args=["seed-demo"])
    finally:
        app_logger.removeHandler(handler)
    assert result.exit_code == 0, result.output
    assert [r for r in seen if r.levelno < logging.WARNING] == []
    lines = result.output.splitlines()
    assert lines.index("Demo sign-ins (fictional people; for development only):") < 5
    assert app_logger.level != logging.WARNING, "the level is put back afterwards"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) > 0


def test_cli_commands_have_help(app: Flask) -> None:
    runner = app.test_cli_runner()
    for command in ("create-user", "seed-demo"):
        result = runner.invoke(args=[command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output
