"""Home page per role, and the health check."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.extensions import db
from marac_app.permissions import public, signed_in

logger = logging.getLogger(__name__)

bp = Blueprint("main", __name__)


@bp.route("/")
@signed_in
def home() -> ResponseReturnValue:
    return render_template(f"main/home_{current_user.role.value}.html")


@bp.route("/healthz")
@public
def healthz() -> ResponseReturnValue:
    """200 when the database answers, 503 when it does not. No data, no sign-in."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
    except Exception as error:  # noqa: BLE001 - any database failure means "not healthy"
        logger.error("health check: database unavailable (%s)", type(error).__name__)
        db.session.rollback()
        return jsonify(status="unavailable", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
