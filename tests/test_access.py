"""Default deny: every route needs sign-in unless it is on the short public list, and every
view declares exactly one access rule from marac_app.permissions."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from werkzeug.routing.converters import NumberConverter

from marac_app.auth.models import Role
from marac_app.permissions import ALWAYS_PUBLIC_ENDPOINTS, PUBLIC, access_rule

# The only endpoints reachable without signing in (SECURITY.md: sign-in, password
# set/reset, static files and /healthz).
EXPECTED_PUBLIC = {
    "auth.sign_in",
    "auth.set_password",
    "main.healthz",
    "static",
    "auth.mfa_verify",
    "auth.mfa_setup",
    "auth.reset_password_request",
    "auth.reset_password_sent",
    "auth.reset_password",
}  # noqa: E501
EXPECTED_PUBLIC |= {"meetings.feed"}  # calendar clients cannot sign in: a secret token decides
EXPECTED_PUBLIC |= {"privacy.accessibility"}  # GOV.UK practice: readable before sign-in
EXPECTED_PUBLIC |= {
    "auth.session_status"
}  # says only "signed out" (JSON) or time left for this session


def concrete_url(rule) -> str:
    """Fill every URL variable with a plausible value (ids → 1, strings → 'x')."""
    url = rule.rule
    for name, converter in rule._converters.items():
        value = "1" if isinstance(converter, NumberConverter) else "x"  # the app's IdConverter too
        url = re.sub(rf"<(?:[^:>]+:)?{name}>", value, url)
    return url


def all_rules(app: Flask):
    return [rule for rule in app.url_map.iter_rules()]


def test_every_endpoint_declares_an_access_rule(app: Flask) -> None:
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint not in ALWAYS_PUBLIC_ENDPOINTS and access_rule(view) is None
    ]
    assert undeclared == [], f"views without an access rule: {undeclared}"


def test_public_endpoints_are_exactly_the_expected_ones(app: Flask) -> None:
    public = {e for e, v in app.view_functions.items() if access_rule(v) == PUBLIC}
    assert public | ALWAYS_PUBLIC_ENDPOINTS == EXPECTED_PUBLIC


def test_anonymous_requests_to_every_other_route_go_to_sign_in(app: Flask) -> None:
    client = app.test_client()
    checked = 0
    for rule in all_rules(app):
        if rule.endpoint in EXPECTED_PUBLIC:
            continue
        url = concrete_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if method == "GET":
                assert response.status_code == 302, (rule.endpoint, method, response.status_code)
                assert response.headers["Location"].startswith("/sign-in"), rule.endpoint
            else:
                # CSRF protection answers first (400) or the gate redirects (302): never 200.
                assert response.status_code in (302, 400), (rule.endpoint, method)
            checked += 1
    assert checked >= 10


def test_undeclared_view_is_refused_at_runtime(app: Flask) -> None:
    """A view added without a rule is denied by the gate, not served (default deny)."""
    from marac_app.permissions import install

    bare = Flask("bare")
    bare.config.update(SECRET_KEY="x" * 32)

    @bare.route("/forgotten")
    def forgotten() -> str:  # no access decorator on purpose
        return "secret"

    from marac_app.extensions import login_manager

    login_manager.init_app(bare)
    install(bare)
    response = bare.test_client().get("/forgotten")
    assert response.status_code == 404
    assert b"secret" not in response.data


ADMIN_GET_ROUTES = [
    "/admin/",
    "/admin/users",
    "/admin/users/new",
    "/admin/agencies",
    "/admin/agencies/new",
    "/admin/areas",
    "/admin/areas/new",
]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CHAIR, Role.AGENCY_REP])
def test_admin_pages_refuse_other_roles(role: Role, make_user, auth, client) -> None:
    target = make_user(Role.AGENCY_REP)
    auth.sign_in_as(make_user(role))
    for path in [
        *ADMIN_GET_ROUTES,
        f"/admin/users/{target.id}",
        f"/admin/agencies/{target.agency_id}",
    ]:
        assert client.get(path).status_code == 403, path
    # State-changing admin routes refuse too, even with a valid CSRF token.
    from tests.conftest import csrf_token

    token = csrf_token(client, "/")
    for path in [
        f"/admin/users/{target.id}/active",
        f"/admin/users/{target.id}/set-password-link",
        "/admin/areas/new",
        "/admin/agencies/new",
        "/admin/users/new",
    ]:
        response = client.post(path, data={"csrf_token": token, "active": "0", "name": "X"})
        assert response.status_code == 403, path


def test_admin_pages_open_for_admin(make_user, auth, client) -> None:
    target = make_user(Role.AGENCY_REP)
    auth.sign_in_as(make_user(Role.ADMIN))
    for path in [
        *ADMIN_GET_ROUTES,
        f"/admin/users/{target.id}",
        f"/admin/agencies/{target.agency_id}",
    ]:
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_a_home_page(role: Role, make_user, auth, client) -> None:
    auth.sign_in_as(make_user(role))
    page = client.get("/")
    assert page.status_code == 200
    assert "OFFICIAL-SENSITIVE" in page.get_data(as_text=True)


def test_role_refusal_is_audited(make_user, auth, client, app) -> None:
    import sqlalchemy as sa

    from marac_app.audit import AuditEvent
    from marac_app.extensions import db

    user = make_user(Role.AGENCY_REP)
    auth.sign_in_as(user)
    client.get("/admin/users")
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "access_denied", AuditEvent.actor_id == user.id
            )
        ).one()
    assert event.outcome == "denied"
