"""The session's clock for the timeout warning (``static/src/timeout.mjs``), mounted on the
auth blueprint by ``register(bp)`` (called from ``marac_app.auth.views``).

- ``session_status`` (GET, JSON) says how many seconds are left before the idle and the
  absolute timeout. It is ``passive``: asking does not count as activity, so a page left
  open is still signed out. Public, so that an ended session answers ``signed_in: false``
  as JSON rather than a redirect to the sign-in page.
- ``session_extend`` (POST, CSRF) is "Stay signed in": it counts as activity for the idle
  timeout and is audited. The absolute timeout cannot be extended: the answer says so.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import UserSession
from marac_app.auth.sessions import (
    current_session_row,
    extend_current_session,
    passive,
    seconds_left,
)
from marac_app.common.transaction import attempt
from marac_app.permissions import public, safe_next, signed_in


def _status(row: UserSession | None) -> dict[str, object]:
    if row is None or row.ended_at is not None or not current_user.is_authenticated:
        return {"signed_in": False, "sign_in": url_for("auth.sign_in")}
    idle, absolute = seconds_left(row)
    return {
        "signed_in": True,
        "idle_seconds_left": idle,
        "absolute_seconds_left": absolute,
        "seconds_left": min(idle, absolute),
        # Extending helps only when the idle timeout comes first.
        "can_extend": idle < absolute,
        "warn_seconds": current_app.config["SESSION_WARNING_SECONDS"],
    }


@passive
def session_status() -> ResponseReturnValue:
    # Asking who is signed in runs the user loader: an expired session is ended here.
    signed = current_user.is_authenticated
    response = jsonify(_status(current_session_row() if signed else None))
    response.headers["Cache-Control"] = "no-store"
    return response


def session_extend() -> ResponseReturnValue:
    def extend() -> UserSession | None:
        row = extend_current_session()
        if row is not None:
            record(
                AuditAction.SESSION_EXTENDED,
                object_type="user",
                object_id=row.user_id,
                detail=f"session={row.id} {_reason()}",
            )
        return row

    row = attempt(extend).value
    if request.is_json or request.headers.get("X-Requested-With") == "fetch":
        response = jsonify(_status(row))
        response.headers["Cache-Control"] = "no-store"
        return response
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))


def _reason() -> str:
    """ "stay" (the button) or "activity" (typing noticed by timeout.mjs); nothing else."""
    data = request.get_json(silent=True) if request.is_json else None
    value = data.get("reason") if isinstance(data, dict) else request.form.get("reason")
    return "activity" if value == "activity" else "stay"


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/session/status", view_func=public(session_status), methods=["GET"])
    bp.add_url_rule("/session/extend", view_func=signed_in(session_extend), methods=["POST"])
