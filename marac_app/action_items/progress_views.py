"""Posting progress on an action (it stays open), mounted on the actions blueprint by
``register(bp)`` (called from action_items/views.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.action_items.forms import ProgressForm
from marac_app.action_items.models import ActionItem, ActionStatus
from marac_app.action_items.permissions import can_update_action, get_action_or_404
from marac_app.action_items.progress import post_progress
from marac_app.auth.models import Role
from marac_app.common.time import london_today
from marac_app.common.transaction import attempt
from marac_app.permissions import deny, roles_required

PREFIX = "progress"


def progress_form(action: ActionItem, formdata: Any = None) -> ProgressForm | None:
    """The progress form for the action page (None when the user may not post, or the
    action is closed)."""
    if action.status is not ActionStatus.OPEN or not can_update_action(current_user, action):
        return None
    if formdata is not None:
        return ProgressForm(formdata=formdata, prefix=PREFIX)
    form = ProgressForm(formdata=None, prefix=PREFIX)
    form.version.data = str(action.version)
    form.dated.set_date(london_today())
    return form


def _version(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def register(bp: Blueprint, render_action: Callable[..., ResponseReturnValue]) -> None:
    @bp.route("/<int:action_id>/progress", methods=["POST"], endpoint="progress")
    @roles_required(Role.COORDINATOR, Role.AGENCY_REP)
    def progress(action_id: int) -> ResponseReturnValue:
        action = get_action_or_404(action_id, current_user)
        if not can_update_action(current_user, action):
            deny(
                f"action_progress:{action.id}",
                status=403,
                object_type="action",
                object_id=action.id,
            )
        form = ProgressForm(formdata=request.form, prefix=PREFIX)
        if action.status is not ActionStatus.OPEN:
            form.form_errors.append(
                "This action is closed: progress can only be posted on an open action"
            )
            return render_action(action, None, 400, progress=form, detail="progress refused")
        if form.validate_on_submit():
            done = attempt(
                lambda: post_progress(
                    action,
                    note=form.note.data,
                    dated=form.dated.data,
                    version=_version(form.version.data),
                    actor=current_user,
                ),
                form,
            )
            if done:
                flash("Your progress update has been posted. The action stays open.")
                return redirect(url_for("action_items.view", action_id=action.id))
            if done.conflict:
                fresh = get_action_or_404(action_id, current_user)
                form.version.data = str(fresh.version)
                return render_action(
                    fresh,
                    None,
                    409,
                    current=fresh,
                    mine={"status": "Progress update", "note": form.note.data or ""},
                    progress=form,
                    detail="progress refused: version conflict",
                )
        action = get_action_or_404(action_id, current_user)
        return render_action(action, None, 400, progress=form, detail="progress refused: input")
