"""The research blueprint: the meeting's returns page (the coordinator's matrix, or a
representative's cases), circulating the list, reminders, reopening, and the template
globals other pages include (the live case page's returns, the home page's "returns due").

Return pages (writing, reading, making an entry) are in return_views.py, mounted here by
``register(bp)``. Every object URL is fetch-then-authorise (research/permissions.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.agencies.models import ReturnVisibility
from marac_app.audit_actions import AuditAction
from marac_app.common.forms import ConfirmForm
from marac_app.common.transaction import Read, attempt, render_read
from marac_app.meetings.models import Meeting
from marac_app.minutes import services as minutes_services
from marac_app.permissions import signed_in
from marac_app.referrals.models import AgendaItem
from marac_app.research import return_views, services
from marac_app.research.forms import MakeEntryForm
from marac_app.research.permissions import (
    can_make_entry,
    can_manage_returns,
    get_managed_agency_or_404,
    get_managed_meeting_or_404,
    get_returns_meeting_or_404,
    is_area_staff,
    is_invited_rep,
)

bp = Blueprint("research", __name__)


def returns_link(meeting: Meeting) -> str:
    """The sign-in link an email carries: the meeting's returns page (sign-in first)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}{url_for('research.meeting_returns', meeting_id=meeting.id)}"


@bp.route("/meetings/<int:meeting_id>")
@signed_in
def meeting_returns(meeting_id: int) -> ResponseReturnValue:
    """The coordinator's and chair's matrix, or an invited representative's cases."""
    meeting = get_returns_meeting_or_404(meeting_id, current_user)
    staff = is_area_staff(current_user, meeting)
    context: dict[str, Any] = {
        "meeting": meeting,
        "staff": staff,
        "can_manage": can_manage_returns(current_user, meeting),
        "circulation": services.circulation_of(meeting),
        "deadline": services.deadline_text(meeting),
        "deadline_passed": services.deadline_passed(meeting),
        "confirm_form": ConfirmForm(),
    }
    if staff:
        agencies, rows = services.matrix(meeting)
        context.update(agencies=agencies, rows=rows)
        case_ids = [row.item.case_id for row in rows]
    else:
        cases = services.agency_cases(meeting, current_user.agency_id)
        others = meeting.area.return_visibility == ReturnVisibility.INVITED_AGENCIES
        context.update(
            cases=cases,
            other_agencies=[
                a for a in services.invited_agencies(meeting) if a.id != current_user.agency_id
            ]
            if others
            else [],
        )
        case_ids = [row.item.case_id for row in cases]
    return render_read(
        "research/meeting.html",
        audit=Read(
            AuditAction.RESEARCH_RETURNS_VIEWED,
            object_type="meeting",
            object_id=meeting.id,
            case_ids=case_ids,
            detail=f"rows={len(case_ids)} view={'matrix' if staff else 'agency'}",
        ),
        **context,
    )


def _back(meeting: Meeting) -> ResponseReturnValue:
    return redirect(url_for("research.meeting_returns", meeting_id=meeting.id))


@bp.route("/meetings/<int:meeting_id>/circulate", methods=["POST"])
@signed_in
def circulate(meeting_id: int) -> ResponseReturnValue:
    meeting = get_managed_meeting_or_404(meeting_id, current_user)
    if ConfirmForm().validate_on_submit():
        done = attempt(
            lambda: services.circulate(meeting, actor=current_user, link=returns_link(meeting))
        )
        if done.error is not None:
            flash(done.error.message, "error")
        elif done.value is not None:
            flash(
                f"The research list has been circulated to {done.value.recipients} "
                f"representative{'' if done.value.recipients == 1 else 's'}."
            )
    return _back(meeting)


@bp.route("/meetings/<int:meeting_id>/agencies/<int:agency_id>/remind", methods=["POST"])
@signed_in
def remind(meeting_id: int, agency_id: int) -> ResponseReturnValue:
    meeting = get_managed_meeting_or_404(meeting_id, current_user)
    agency = get_managed_agency_or_404(meeting, agency_id, current_user)
    if ConfirmForm().validate_on_submit():
        sent = attempt(
            lambda: services.remind(meeting, agency, actor=current_user, link=returns_link(meeting))
        )
        if sent.error is not None:
            flash(sent.error.message, "error")
        else:
            flash(f"A reminder has been sent to {agency.name}.")
    return _back(meeting)


return_views.register(bp)


# --- Template globals for other pages (read only) -----------------------------------------


@bp.app_context_processor
def _research_partials() -> dict[str, Any]:
    def case_returns(item: AgendaItem) -> dict[str, Any] | None:
        """The live case page's "Research returns" section (None when the viewer may see
        none). Part of that page's audited read of the case."""
        if not current_user.is_authenticated:
            return None
        meeting = item.meeting
        shown = services.returns_for_case(item, current_user)
        if not shown:
            return None
        open_for_entries = (
            can_make_entry(current_user, meeting) and minutes_services.approval_of(meeting) is None
        )
        return {
            "returns": shown,
            "can_make_entry": open_for_entries,
            "form": MakeEntryForm() if open_for_entries else None,
            "deadline": services.deadline_text(meeting),
        }

    def returns_due() -> list[services.DueMeeting]:
        if not current_user.is_authenticated or current_user.agency_id is None:
            return []
        return services.returns_due(current_user)

    def can_open_returns(meeting: Meeting) -> bool:
        return current_user.is_authenticated and (
            is_area_staff(current_user, meeting) or is_invited_rep(current_user, meeting)
        )

    return {
        "research_case_returns": case_returns,
        "research_returns_due": returns_due,
        "research_can_open": can_open_returns,
    }
