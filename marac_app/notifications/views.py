"""Notifications: follow one (marks it read), mark all read, and the email choices page.

The home page's "Notifications (n)" panel reads through the template global
``home_notifications`` (read only; no case data, so no audited read).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.common.ids import parse_id
from marac_app.common.transaction import attempt
from marac_app.notifications import services
from marac_app.notifications.forms import MarkAllReadForm, OpenForm, SettingsForm
from marac_app.notifications.models import Notification, NotificationKind
from marac_app.permissions import fetch_or_404, signed_in

bp = Blueprint("notifications", __name__)


@bp.route("/open", methods=["POST"])
@signed_in
def open_notification() -> ResponseReturnValue:
    """Mark one of your notifications read and go to its page (which checks access itself).
    Another person's notification is 404, like a missing one."""
    form = OpenForm()
    if not form.validate_on_submit():
        return redirect(url_for("main.home"))
    notification = fetch_or_404(
        Notification,
        parse_id(form.notification_id.data),
        allowed=lambda n: services.owns(current_user, n),
        kind="notification",
    )
    opened = attempt(lambda: services.open_notification(notification))
    return redirect(opened.value or url_for("main.home"))


@bp.route("/read-all", methods=["POST"])
@signed_in
def mark_all_read() -> ResponseReturnValue:
    form = MarkAllReadForm()
    if form.validate_on_submit():
        done = attempt(lambda: services.mark_all_read(current_user))
        if done and done.value:
            flash("All your notifications have been marked as read.")
    return redirect(url_for("main.home"))


@bp.route("/settings", methods=["GET", "POST"])
@signed_in
def settings() -> ResponseReturnValue:
    """Which notifications the signed-in person also gets by email (their own choices only)."""
    form = SettingsForm()
    if request.method == "POST":
        if form.validate_on_submit():
            saved = attempt(
                lambda: services.save_email_choices(
                    current_user, form.kinds.data or [], actor=current_user
                ),
                form,
            )
            if saved:
                flash("Your notification settings have been saved.")
                return redirect(url_for("notifications.settings"))
        return render_template("notifications/settings.html", **_context(form)), 400
    form.kinds.data = [k.value for k, on in services.email_choices(current_user).items() if on]
    return render_template("notifications/settings.html", **_context(form))


def _context(form: SettingsForm) -> dict[str, Any]:
    return {"form": form, "kinds": list(NotificationKind)}


@bp.app_context_processor
def _notification_partials() -> dict[str, Any]:
    def home_notifications() -> dict[str, Any] | None:
        """The signed-in person's unread notifications and their count (None signed out)."""
        if not current_user.is_authenticated:
            return None
        return {
            "count": services.unread_count(current_user),
            "items": services.unread_for(current_user),
            "open_form": OpenForm(),
        }

    return {"home_notifications": home_notifications}
