"""Values and filters every template may use."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from marac_app.auth.models import Role
from marac_app.common.time import LONDON
from marac_app.permissions import is_admin


def london(value: datetime | None, fmt: str = "%-d %B %Y at %H:%M") -> str:
    """Show a UTC timestamp in Europe/London time, GOV.UK style (e.g. 5 March 2026 at 14:05)."""
    if value is None:
        return ""
    return value.astimezone(LONDON).strftime(fmt)


# The main menu: (endpoint, text, roles that see it, endpoint prefix that marks it current).
# An entry whose endpoint is not registered (feature not built yet) is left out.
NAVIGATION: tuple[tuple[str, str, frozenset[Role], str], ...] = (
    ("referrals.index", "Cases", frozenset({Role.COORDINATOR, Role.CHAIR}), "referrals."),
    (
        "meetings.index",
        "Meetings",
        frozenset({Role.COORDINATOR, Role.CHAIR, Role.AGENCY_REP}),
        "meetings.",
    ),
    (
        "action_items.index",
        "Actions",
        frozenset({Role.COORDINATOR, Role.CHAIR, Role.AGENCY_REP}),
        "action_items.",
    ),
    (
        "protocol.register",
        "ISP register",
        frozenset({Role.COORDINATOR, Role.CHAIR, Role.ADMIN}),
        "protocol.",
    ),
    ("reports.index", "Reports", frozenset({Role.COORDINATOR, Role.CHAIR, Role.ADMIN}), "reports."),
    ("privacy.requests", "Data-subject requests", frozenset({Role.DPO}), "privacy."),
    ("audit_review.index", "Audit trail", frozenset({Role.ADMIN, Role.DPO}), "audit_review."),
    ("admin.users", "Users", frozenset({Role.ADMIN}), "admin.user"),
    ("admin.agencies", "Agencies", frozenset({Role.ADMIN}), "admin.agenc"),
    ("admin.areas", "MARAC areas", frozenset({Role.ADMIN}), "admin.area"),
)


def navigation() -> list[dict[str, object]]:
    """Main-menu items for the signed-in user (GOV.UK service navigation items)."""
    if not current_user.is_authenticated:
        return []
    items: list[dict[str, object]] = [
        {"href": url_for("main.home"), "text": "Home", "current": request.endpoint == "main.home"}
    ]
    endpoint = request.endpoint or ""
    for target, text, roles, prefix in NAVIGATION:
        if current_user.role in roles and target in current_app.view_functions:
            items.append(
                {"href": url_for(target), "text": text, "active": endpoint.startswith(prefix)}
            )
    return items


def install(app: Flask) -> None:
    app.jinja_env.filters["london"] = london

    @app.context_processor
    def _globals() -> dict[str, object]:
        return {
            "service_name": app.config["SERVICE_NAME"],
            "current_user": current_user,
            "is_admin": is_admin,
            "navigation": navigation,
        }
