"""Error pages: plain words, no stack trace, SQL or data. The transaction is rolled back."""

from __future__ import annotations

import logging
import traceback

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from marac_app.extensions import db

logger = logging.getLogger(__name__)

PAGES = {
    400: ("Sorry, there is a problem with the request", "errors/400.html"),
    403: ("You do not have permission to see this page", "errors/403.html"),
    404: ("Page not found", "errors/404.html"),
    405: ("Sorry, that cannot be done here", "errors/400.html"),
    429: ("Too many attempts", "errors/429.html"),
    500: ("Sorry, there is a problem with the service", "errors/500.html"),
    503: ("Sorry, the service is unavailable", "errors/500.html"),
}


def render_error(status: int, **context: object) -> tuple[str, int]:
    title, template = PAGES.get(status, PAGES[500])
    return render_template(template, title=title, status=status, **context), status


def install(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[str, int]:
        db.session.rollback()
        logger.warning("CSRF check failed on %s", request.endpoint)
        return render_error(400, csrf=True)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int]:
        db.session.rollback()
        status = error.code or 500
        return render_error(status if status in PAGES else 400)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        # Log the type and where, never the data: exception messages can carry personal data.
        db.session.rollback()
        if app.config.get("PROPAGATE_UNEXPECTED"):
            raise error  # tests see the real traceback; tests of the 500 page turn this off
        # The frames say where it failed; the message is left out (SQL parameters and
        # validation errors can carry personal data).
        logger.error(
            "unhandled %s on %s (request %s)\n%s",
            type(error).__name__,
            request.endpoint,
            g.get("request_id"),
            "".join(traceback.format_tb(error.__traceback__)),
        )
        return render_error(500)
