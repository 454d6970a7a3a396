"""Values and filters every template may use."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_login import current_user

from marac_app.permissions import is_admin

LONDON = ZoneInfo("Europe/London")


def london(value: datetime | None, fmt: str = "%-d %B %Y at %H:%M") -> str:
    """Show a UTC timestamp in Europe/London time, GOV.UK style (e.g. 5 March 2026 at 14:05)."""
    if value is None:
        return ""
    return value.astimezone(LONDON).strftime(fmt)


def install(app: Flask) -> None:
    app.jinja_env.filters["london"] = london

    @app.context_processor
    def _globals() -> dict[str, object]:
        return {
            "service_name": app.config["SERVICE_NAME"],
            "current_user": current_user,
            "is_admin": is_admin,
        }
