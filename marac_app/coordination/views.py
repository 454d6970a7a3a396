"""The coordination blueprint (/coordination): the triage page of a meeting's list, and the
co-ordinated case's page (case_views.py, mounted here by ``register(bp)``).

- ``triage``: the area's coordinator chooses, for each case of the list, heard or
  co-ordinated (with a closing date), or one choice for the whole list; saved in one post
  against the versions the page was opened with (409 with the list as it is now when someone
  changed it since). Read-only once the minutes are approved.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role
from marac_app.common.transaction import Read, attempt, render_read
from marac_app.coordination import case_views, services
from marac_app.coordination.forms import TriageForm, triage_form_for
from marac_app.coordination.permissions import get_meeting_to_triage_or_404
from marac_app.meetings.models import Meeting
from marac_app.minutes.services import approval_of
from marac_app.permissions import roles_required
from marac_app.referrals.models import AgendaItem

bp = Blueprint("coordination", __name__)
coordinator_only = roles_required(Role.COORDINATOR)


def _render_triage(
    meeting: Meeting,
    items: list[AgendaItem],
    form: TriageForm,
    *,
    status: int = 200,
    conflict: bool = False,
) -> ResponseReturnValue:
    """The triage page; audited as a read of every case on the list (ids only)."""
    return render_read(
        "coordination/triage.html",
        audit=Read(
            AuditAction.COORDINATION_TRIAGE_VIEWED,
            object_type="meeting",
            object_id=meeting.id,
            case_ids=[item.case_id for item in items],
            detail=f"rows={len(items)}{' refused' if status >= 400 else ''}",
        ),
        status=status,
        meeting=meeting,
        items=items,
        form=form,
        conflict=conflict,
        approval=approval_of(meeting),
        risk_score=services.risk_score,
        default_closing=services.meeting_date(meeting),
    )


@coordinator_only
def triage(meeting_id: int) -> ResponseReturnValue:
    meeting = get_meeting_to_triage_or_404(meeting_id, current_user)
    items = services.triage_list(meeting)
    if request.method == "GET":
        form = triage_form_for(items)
        form.versions.data = services.versions_token(items)
        return _render_triage(meeting, items, form)
    form = triage_form_for(items, request.form)
    if not form.validate_on_submit():
        return _render_triage(meeting, items, form, status=400)

    def save() -> int:
        choices = {}
        bulk = (
            services.bulk_modes(items, form.bulk.data, form.below_value()) if form.bulk.data else {}
        )
        for item in items:
            mode, closing = form.case_fields(item)
            chosen = bulk.get(item.id) or mode.data
            choices[item.id] = services.TriageChoice(mode=chosen, closing_date=closing.data)
        return services.triage(
            meeting,
            choices=choices,
            versions=services.parse_versions(form.versions.data),
            actor=current_user,
        )

    done = attempt(save, form)
    if done.conflict and approval_of(meeting) is None:
        # Show the list as it is now, with what this person chose kept where it still fits.
        items = services.triage_list(meeting)
        fresh = triage_form_for(items)
        fresh.versions.data = services.versions_token(items)
        fresh.form_errors.extend(form.form_errors)
        return _render_triage(meeting, items, fresh, status=409, conflict=True)
    if not done:
        return _render_triage(meeting, items, form, status=done.status)
    changed = done.value or 0
    flash(
        "The triage has been saved: "
        + (f"{changed} {'case' if changed == 1 else 'cases'} changed." if changed else "no change.")
    )
    return redirect(url_for("coordination.triage", meeting_id=meeting.id))


bp.add_url_rule("/meetings/<int:meeting_id>/triage", view_func=triage, methods=["GET", "POST"])
# The co-ordinated case's page: research returns, actions, the chair's sign-off.
case_views.register(bp)
