"""The session's clock for the timeout warning (``static/src/timeout.mjs``), mounted on the
auth blueprint by ``register(bp)`` (called from ``marac_app.auth.views``).

- ``session_status`` (GET, JSON) says how many seconds are left before the idle and the
  absolute timeout. It is ``passive``: asking does not count as activity, so a page left
  open is still signed out. Public, so that an ended session answers ``signed_in: false``
  as JSON rather than a redirect to the sign-in page.
- ``session_extend`` (POST, CSRF) is "Stay signed in": it counts as activity for the idle
  timeout and is audited. The absolute timeout cannot be extended: the answer says so.
- CSRF tokens that name their person (``bind_csrf_to_user``, ``csrf_token_user``): at
  sign-in the session's raw CSRF value is made to name the user, so that a token this app
  signed for one of that person's pages can later be told apart from a forged one or one
  of another person's, even once it no longer matches (signed out and in again since). The
  drafts of the live minutes keep the text of such a late form, and only of such a form.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask import Blueprint, current_app, g, jsonify, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, user_logged_in
from itsdangerous import BadData, URLSafeTimedSerializer

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


# --- CSRF tokens that name their person -----------------------------------------------

# Flask-WTF's session key and form field (WTF_CSRF_FIELD_NAME), the salt it signs tokens
# with, and the headers it reads a token from (WTF_CSRF_HEADERS): this app uses the defaults.
CSRF_FIELD = "csrf_token"
CSRF_SALT = "wtf-csrf-token"
CSRF_HEADERS = ("X-CSRFToken", "X-CSRF-Token")
BOUND_RAW = re.compile(r"^u([1-9][0-9]{0,9})\.[0-9a-f]{40}$")


def bind_csrf_to_user(sender: Any, user: Any, **extra: Any) -> None:
    """``user_logged_in``: sign-in has just cleared the session (fixation); its new raw CSRF
    value is ``u<user id>.<random>``, so every token signed for it names the person. The
    token Flask-WTF may have cached for this request (the sign-in form's) is dropped."""
    session[CSRF_FIELD] = f"u{user.id}.{secrets.token_hex(20)}"
    g.pop(CSRF_FIELD, None)


def posted_csrf_token() -> str | None:
    """The CSRF token the request carries, where Flask-WTF looks for it (form, headers)."""
    token = request.form.get(CSRF_FIELD)
    for header in CSRF_HEADERS:
        token = token or request.headers.get(header)
    return token or None


def csrf_token_user(token: str | None) -> int | None:
    """The user a CSRF token was signed for, when this app signed it for a signed-in
    session (``bind_csrf_to_user``) no longer ago than a session can last: it may no longer
    match the session (it expired), but it is genuine. None for a missing or forged token,
    one signed before sign-in (anonymous), or one older than the absolute timeout."""
    if not token:
        return None
    config = current_app.config
    secret: str | bytes | None = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    if not secret:
        return None
    serializer = URLSafeTimedSerializer(secret, salt=CSRF_SALT)
    max_age = int(config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds())
    try:
        raw = serializer.loads(token, max_age=max_age)
    except BadData:  # BadSignature (forged, another key), SignatureExpired (too old), junk
        return None
    match = BOUND_RAW.match(raw) if isinstance(raw, str) else None
    return int(match.group(1)) if match else None


def _connect_signals(state: Any) -> None:
    user_logged_in.connect(bind_csrf_to_user, state.app)


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/session/status", view_func=public(session_status), methods=["GET"])
    bp.add_url_rule("/session/extend", view_func=signed_in(session_extend), methods=["POST"])
    bp.record_once(_connect_signals)
