"""Home page per role, and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.action_items.home import home_actions_read
from marac_app.common.transaction import audit_read
from marac_app.main import services
from marac_app.permissions import public, signed_in

bp = Blueprint("main", __name__)


@bp.route("/")
@signed_in
def home() -> ResponseReturnValue:
    """The role's home page. Panels read through template globals that never write; the one
    panel that shows personal data (a representative's agency actions) is audited here,
    before rendering."""
    read = home_actions_read(current_user)
    if read is not None:
        audit_read(read)
    return render_template(f"main/home_{current_user.role.value}.html")


@bp.route("/healthz")
@public
def healthz() -> ResponseReturnValue:
    """200 when the database answers, 503 when it does not. No data, no sign-in."""
    if not services.database_answers():
        return jsonify(status="unavailable", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
