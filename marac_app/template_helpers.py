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


def title_context(title: object, meeting: object = None, case: object = None) -> str:
    """What a page's title adds so that no two meetings' or cases' pages share a title (tabs,
    history and screen readers tell them apart): " – CAM-2026-0001" for a page about a case,
    else " – Cambridge MARAC, 4 December 2026" for a page about a meeting — unless the title
    already names it. Duck-typed on purpose: any template context's ``meeting``/``case``."""
    text = str(title or "")
    reference = getattr(case, "reference", None)
    if isinstance(reference, str) and reference:
        return "" if reference in text else f" – {reference}"
    starts = getattr(meeting, "starts_at", None)
    if isinstance(starts, datetime):
        day = london(starts, "%-d %B %Y")
        if day in text:
            return ""
        area = getattr(getattr(meeting, "area", None), "name", None)
        return f" – {area} MARAC, {day}" if isinstance(area, str) else f" – meeting of {day}"
    return ""


def install(app: Flask) -> None:
    app.jinja_env.filters["london"] = london
    app.jinja_env.globals["title_context"] = title_context

    @app.context_processor
    def _globals() -> dict[str, object]:
        return {
            "service_name": app.config["SERVICE_NAME"],
            "current_user": current_user,
            "is_admin": is_admin,
            "navigation": navigation,
        }
