"""The one place that decides who may do what.

Every view declares its rule with exactly one decorator from this module:

- ``@public`` — no sign-in (sign-in, set-password, ``/healthz``);
- ``@signed_in`` — any signed-in, active user;
- ``@roles_required(Role.ADMIN, …)`` — signed in with one of the roles.

``install(app)`` adds a gate that runs before every request: an endpoint without a declared
rule is refused (default deny), and an anonymous request to any non-public endpoint is sent to
sign-in. Object-level predicates (``can_view_…``) and fetch-then-authorise helpers
(``get_…_or_404``) are added here as features arrive; templates call the same predicates.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from flask import Flask, abort, current_app, g, has_request_context, redirect, request, url_for
from flask_login import current_user

from marac_app.agencies.models import Agency, MaracArea
from marac_app.audit import Outcome, record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, User
from marac_app.extensions import db

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

ACCESS_ATTRIBUTE = "_marac_access"
PUBLIC = "public"
SIGNED_IN = "signed_in"
# Flask's own static route serves only files from static/: public by nature.
ALWAYS_PUBLIC_ENDPOINTS = frozenset({"static"})


def access_rule(view: Callable[..., Any]) -> Any:
    """The rule declared on ``view`` (None when undeclared)."""
    return getattr(view, ACCESS_ATTRIBUTE, None)


def public(view: F) -> F:
    """Mark ``view`` as reachable without signing in."""
    setattr(view, ACCESS_ATTRIBUTE, PUBLIC)
    return view


def signed_in(view: F) -> F:
    """Any signed-in, active user may call ``view``."""
    setattr(view, ACCESS_ATTRIBUTE, SIGNED_IN)
    return view


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Only users with one of ``roles`` may call the view; others get 403 (audited)."""
    allowed = frozenset(roles)

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in allowed:
                deny(f"role:{request.endpoint}", status=403)
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTRIBUTE, allowed)
        return wrapper  # type: ignore[return-value]

    return decorator


def deny(
    what: str,
    *,
    status: int = 404,
    object_type: str | None = None,
    object_id: int | str | None = None,
) -> NoReturn:
    """Record a denied access in the audit trail, commit it, then abort with ``status``.

    404 is used for another tenant's objects so their existence is not revealed.
    """
    db.session.rollback()
    record(
        AuditAction.ACCESS_DENIED,
        object_type=object_type,
        object_id=object_id,
        outcome=Outcome.DENIED,
        detail=what,
    )
    db.session.commit()
    abort(status)
    raise AssertionError("abort() returned")  # pragma: no cover - abort always raises


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.role == Role.ADMIN


def install(app: Flask) -> None:
    """Add the default-deny gate to ``app``."""

    @app.before_request
    def _gate() -> Any:
        endpoint = request.endpoint
        if endpoint is None:  # no route matched: Flask will answer 404/405 itself
            return None
        if endpoint in ALWAYS_PUBLIC_ENDPOINTS:
            return None
        rule = access_rule(current_app.view_functions[endpoint])
        if rule is None:
            logger.error("endpoint %s declares no access rule: refused", endpoint)
            abort(404)
        if rule == PUBLIC:
            return None
        if not current_user.is_authenticated:
            target = request.full_path if request.method == "GET" else None
            return redirect(url_for("auth.sign_in", next=_safe_next(target)))
        return None


def _safe_next(path: str | None) -> str | None:
    """Only a local path may be a post-sign-in destination (no open redirects)."""
    if not path:
        return None
    path = path.rstrip("?")
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return None


def safe_next(path: str | None) -> str | None:
    return _safe_next(path)


# --- Fetch-then-authorise helpers ------------------------------------------------------
# Load (404 when missing), then check (404 when not allowed, so existence is not revealed).


def can_manage_users(user: User) -> bool:
    return is_admin(user)


def mark_authorised(kind: str, object_id: int | str | None) -> None:
    """Note, for this request, that ``kind`` ``object_id`` passed its fetch-then-authorise check.

    ``fetch_or_404`` calls it; a helper that authorises an object some other way (a public id, an
    inline membership check) must call it after its check passes. A test walks ``app.url_map``
    and fails for any object route that answers without it (tests/security/test_gate.py).
    """
    if not has_request_context():
        return
    seen: list[tuple[str, str]] = g.setdefault("_authorised", [])
    seen.append((kind, str(object_id)))


def authorised_objects() -> list[tuple[str, str]]:
    """The (kind, id) pairs authorised so far in this request (empty outside one)."""
    if not has_request_context():
        return []
    return list(g.get("_authorised", []))


M = TypeVar("M")


def fetch_or_404(
    model: type[M], object_id: int | None, *, allowed: Callable[[M], bool], kind: str
) -> M:
    """The one fetch-then-authorise: load ``model`` ``object_id`` (404 when missing), ask
    ``allowed(obj)`` (404 when refused, audited as denied, so another tenant's objects are
    indistinguishable from missing ones), mark it authorised for this request, return it.

    403 is answered only by ``roles_required`` (the person's role may never do this, which
    the menu already tells them); a refusal about a particular object is always 404.
    """
    obj = db.session.get(model, object_id) if object_id is not None else None
    if obj is None:
        abort(404)
    if not allowed(obj):
        deny(f"{kind}:{object_id}", object_type=kind, object_id=object_id)
    mark_authorised(kind, object_id)
    return obj


def get_area_or_404(area_id: int | None, user: User) -> MaracArea:
    return fetch_or_404(MaracArea, area_id, allowed=lambda _a: is_admin(user), kind="marac_area")


def get_agency_or_404(agency_id: int | None, user: User) -> Agency:
    return fetch_or_404(Agency, agency_id, allowed=lambda _a: is_admin(user), kind="agency")


def get_user_or_404(user_id: int | None, user: User) -> User:
    return fetch_or_404(User, user_id, allowed=lambda _u: can_manage_users(user), kind="user")
