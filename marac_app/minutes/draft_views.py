"""Drafts of the live minutes forms, mounted on the minutes blueprint by ``register(bp)``
(called from ``marac_app.minutes.views``).

- ``save_draft``: what is being typed on one form of a case, sent by ``static/src/drafts.mjs``
  a few seconds after the last keystroke and on blur (JSON with the ``X-CSRFToken`` header, or
  a form body with ``csrf_token``). The same access rule as writing that form; audited with
  ids and field names only.
- ``discard_draft``: the person throws their unsaved text away (a button in the notice).
- Nothing typed is lost when the session or the form token has run out: a POST of a live
  minutes form arriving with a session ended by the idle or absolute timeout is kept as a
  draft of the person the session belonged to, and they are sent to sign in with a return to
  the page; a POST whose CSRF token has expired is kept for the signed-in person and the
  page is shown again with their text and "Your form expired, check and save again".
- Only a genuine late form is kept: its CSRF token must be one this app signed for that
  person (``csrf_token_user``: a good signature, any age up to the absolute timeout) or
  still be good for the session. A missing, forged or another person's token keeps
  nothing and gets the usual CSRF refusal, so no other site can plant text in a draft.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, flash, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.auth.session_views import csrf_token_user, posted_csrf_token
from marac_app.auth.sessions import EndReason, current_session_row
from marac_app.common.time import LONDON
from marac_app.common.transaction import attempt
from marac_app.db import utcnow
from marac_app.errors import render_error
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes import drafts, services
from marac_app.minutes.models import MinuteEntry
from marac_app.minutes.permissions import (
    can_chair_minutes,
    can_write_entries,
    get_minutes_meeting_or_404,
)
from marac_app.permissions import deny, safe_next, signed_in
from marac_app.referrals.models import AgendaItem
from marac_app.referrals.permissions import can_view_case, get_case_or_404

logger = logging.getLogger(__name__)

EXPIRED_FORM = "Your form expired, check and save again"
KEPT_NOTICE = "Your text has been kept. Sign in again to carry on where you were."
TIMED_OUT = frozenset({EndReason.IDLE, EndReason.ABSOLUTE})

# The live minutes forms whose text must survive an ended session or an expired form, and
# the draft key each one's POST is kept under (the draft endpoint names its own).
FORM_KEYS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "minutes.case_minutes": lambda args: "entry-new",
    "minutes.add_action": lambda args: "action-new",
    "minutes.risk_summary": lambda args: "risk-summary",
    "minutes.amend_risk_summary": lambda args: "risk-summary-amend",
    "minutes.edit_entry": lambda args: drafts.entry_key(args["entry_id"], "edit"),
    "minutes.amend_entry": lambda args: drafts.entry_key(args["entry_id"], "amend"),
    "minutes.save_draft": lambda args: _posted_key(),
}


def _wants_json() -> bool:
    return request.is_json or request.headers.get("X-Requested-With") == "fetch"


def _posted_values() -> dict[str, Any]:
    if request.is_json:
        data = request.get_json(silent=True)
        if isinstance(data, dict):
            fields = data.get("fields", data)
            return dict(fields) if isinstance(fields, dict) else {}
        return {}
    return request.form.to_dict()


def _posted_key() -> str | None:
    if request.is_json:
        data = request.get_json(silent=True)
        key = data.get("key") if isinstance(data, dict) else None
    else:
        key = request.form.get("key")
    return key if isinstance(key, str) and drafts.fields_for(key) is not None else None


def _allowed(user: User, meeting: Meeting, key: str) -> bool:
    check = can_chair_minutes if drafts.needs_chair(key) else can_write_entries
    return check(user, meeting)


def _clock(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%H:%M")


def page_of(meeting_id: int, case_id: int, key: str) -> str:
    """The page (a local path) where the form of ``key`` is shown and its draft restored."""
    entry_id = drafts.entry_id_of(key)
    if entry_id is not None:
        endpoint = "minutes.edit_entry" if key.endswith("-edit") else "minutes.amend_entry"
        return url_for(endpoint, meeting_id=meeting_id, entry_id=entry_id)
    if key == "risk-summary-amend":
        return url_for("minutes.amend_risk_summary", meeting_id=meeting_id, case_id=case_id)
    anchor = {"entry-new": "#add-entry", "action-new": "#add-action"}.get(key, "#risk-summary")
    return url_for("minutes.case_minutes", meeting_id=meeting_id, case_id=case_id) + anchor


def _load(meeting_id: int, case_id: int) -> tuple[Meeting, AgendaItem]:
    meeting = get_minutes_meeting_or_404(meeting_id, current_user)
    case = get_case_or_404(case_id, current_user)
    item = services.agenda_item_for(meeting, case.id)
    if item is None:
        deny(
            f"agenda_item:meeting={meeting.id},case={case.id}",
            object_type="case",
            object_id=case.id,
        )
    return meeting, item


def _key_or_400(meeting: Meeting, item: AgendaItem) -> str | ResponseReturnValue:
    key = _posted_key()
    if key is None:
        return _refused("This is not a form whose text can be kept", 400)
    if not _allowed(current_user, meeting, key):
        deny(
            f"minute_draft:{key}:meeting={meeting.id}",
            status=403,
            object_type="meeting",
            object_id=meeting.id,
        )
    if not drafts.entry_belongs(item, key):
        deny(f"minute_draft:{key}:case={item.case_id}", object_type="case", object_id=item.case_id)
    return key


def _refused(message: str, status: int) -> ResponseReturnValue:
    if _wants_json():
        return jsonify(saved=False, error=message), status
    flash(message, "error")
    return redirect(request.referrer if safe_next(request.referrer) else url_for("main.home"))


def save_draft(meeting_id: int, case_id: int) -> ResponseReturnValue:
    meeting, item = _load(meeting_id, case_id)
    key = _key_or_400(meeting, item)
    if not isinstance(key, str):
        return key
    if request.content_length and request.content_length > drafts.BODY_MAX:
        return _refused("The text is too long to be kept", 413)
    done = attempt(lambda: drafts.save(item, key, _posted_values(), actor=current_user))
    if done.error is not None:
        return _refused(done.error.message, 400)
    saved_at = done.value.updated_at if done.value is not None else utcnow()
    if _wants_json():
        return jsonify(saved=done.value is not None, key=key, saved_at=_clock(saved_at))
    return redirect(page_of(meeting.id, item.case_id, key))


def discard_draft(meeting_id: int, case_id: int) -> ResponseReturnValue:
    meeting, item = _load(meeting_id, case_id)
    key = _key_or_400(meeting, item)
    if not isinstance(key, str):
        return key
    attempt(lambda: drafts.discard(current_user.id, item.id, key, reason="discarded"))
    if _wants_json():
        return jsonify(discarded=True, key=key)
    flash("The text you had not saved has been thrown away.")
    return redirect(page_of(meeting.id, item.case_id, key))


# --- Keeping the text of a POST that arrives too late -----------------------------------


def _item_for(user: User, endpoint: str, args: dict[str, Any], key: str) -> AgendaItem | None:
    """The agenda item the POST is about, if ``user`` may write that form (no abort: a
    refusal here just keeps nothing)."""
    meeting = db.session.get(Meeting, args.get("meeting_id"))
    if meeting is None or not _allowed(user, meeting, key):
        return None
    if "entry_id" in args:
        entry = db.session.get(MinuteEntry, args["entry_id"])
        if entry is None or entry.agenda_item.meeting_id != meeting.id:
            return None
        item: AgendaItem | None = entry.agenda_item
    else:
        item = services.agenda_item_for(meeting, args.get("case_id") or 0)
    if item is None or not can_view_case(user, item.case):
        return None
    return item


def _keep(user: User, endpoint: str) -> tuple[AgendaItem, str] | None:
    """Keep the POSTed text as ``user``'s draft; the item and key, or None when nothing
    could be kept (not a live form, not theirs to write). Commits."""
    args = dict(request.view_args or {})
    key = FORM_KEYS[endpoint](args)
    if key is None:
        return None
    item = _item_for(user, endpoint, args, key)
    if item is None:
        return None
    done = attempt(
        lambda: drafts.save(
            item,
            key,
            _posted_values(),
            actor=user,
            action=AuditAction.MINUTE_DRAFT_KEPT_AFTER_SIGN_OUT,
        )
    )
    if done.error is not None:
        return None
    return item, key


def _token_is_theirs(user: User) -> bool:
    """Whether the POST's CSRF token is still good for this session, or one this app signed
    for ``user`` that has since expired (never a missing, forged or another's token)."""
    token = posted_csrf_token()
    try:
        validate_csrf(token)
    except ValidationError:
        return csrf_token_user(token) == user.id
    return True


def _sign_in_again(next_path: str | None) -> ResponseReturnValue:
    target = url_for("auth.sign_in", next=safe_next(next_path))
    if _wants_json():
        return jsonify(signed_in=False, kept=True, sign_in=target), 401
    flash(KEPT_NOTICE)
    return redirect(target)


def keep_text_of_ended_session() -> ResponseReturnValue | None:
    """Before the sign-in gate: a live minutes form POSTed with a session the idle or
    absolute timeout has ended is kept as a draft of the person the session row belongs
    to, then they are sent to sign in with a return to the page (never an error page)."""
    endpoint = request.endpoint or ""
    if request.method != "POST" or endpoint not in FORM_KEYS:
        return None
    if current_user.is_authenticated:
        return None
    row = current_session_row()
    if row is None or row.ended_at is None or row.end_reason not in TIMED_OUT:
        return None
    if utcnow() - row.ended_at > current_app.config["SESSION_ABSOLUTE_TIMEOUT"]:
        return None  # long gone: a copied cookie keeps nothing
    user = row.user
    if not user.active or not _token_is_theirs(user):
        return None
    kept = _keep(user, endpoint)
    if kept is None:
        return None
    item, key = kept
    logger.info("kept a draft of user %s after a timed-out session", user.id)
    return _sign_in_again(page_of(item.meeting_id, item.case_id, key))


def expired_form(error: CSRFError) -> ResponseReturnValue:
    """A live minutes form whose CSRF token has expired (signed for the signed-in person,
    ``csrf_token_user``): keep the text as a draft of theirs and show the page again with it
    and a clear error. Any other form, a missing or forged token, or nobody signed in, gets
    the usual error page."""
    endpoint = request.endpoint or ""
    db.session.rollback()
    if endpoint in FORM_KEYS and current_user.is_authenticated:
        user = current_user._get_current_object()
        kept = _keep(user, endpoint) if csrf_token_user(posted_csrf_token()) == user.id else None
        if endpoint == "minutes.save_draft":
            # drafts.mjs itself: kept (reloading the page restores it) or not (the text
            # stays in the page, and the form's own save gets the answer below).
            logger.warning("CSRF check failed on %s", endpoint)
            return jsonify(
                saved=False, kept=kept is not None, expired=True, error=EXPIRED_FORM
            ), 400
        if kept is not None:
            item, key = kept
            logger.info("kept a draft after an expired form on %s", endpoint)
            # Also for live.mjs's in-place save: it reloads the page, which shows this.
            flash(EXPIRED_FORM, "error")
            if _wants_json():
                return jsonify(saved=False, kept=True, error=EXPIRED_FORM), 400
            return redirect(page_of(item.meeting_id, item.case_id, key))
    elif endpoint in FORM_KEYS:
        # Signed out too: the timed-out session's person keeps the text.
        response = keep_text_of_ended_session()
        if response is not None:
            return response
    logger.warning("CSRF check failed on %s", endpoint)
    return render_error(400, csrf=True)


def draft_context() -> dict[str, Any]:
    """``draft_url`` for the minutes pages: where drafts.mjs sends the text of the page's
    forms (``data-draft-url``); None on pages that are not about one case of a meeting."""
    args = request.view_args or {}
    meeting_id, case_id = args.get("meeting_id"), args.get("case_id")
    if meeting_id is not None and case_id is None and args.get("entry_id") is not None:
        entry = db.session.get(MinuteEntry, args["entry_id"])
        case_id = entry.agenda_item.case_id if entry is not None else None
    if meeting_id is None or case_id is None:
        return {"draft_url": None}
    return {"draft_url": url_for("minutes.save_draft", meeting_id=meeting_id, case_id=case_id)}


def register(bp: Blueprint) -> None:
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/cases/<int:case_id>/draft",
        view_func=signed_in(save_draft),
        methods=["POST"],
    )
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/cases/<int:case_id>/draft/discard",
        view_func=signed_in(discard_draft),
        methods=["POST"],
    )
    # Runs before the app's sign-in gate (blueprints are registered before it is installed).
    bp.before_app_request(keep_text_of_ended_session)
    bp.register_error_handler(CSRFError, expired_form)
    bp.context_processor(draft_context)
