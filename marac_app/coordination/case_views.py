"""The page of a co-ordinated case (not heard at the meeting): the agencies' research
returns are its information; the chair (or the coordinator as minute-taker) agrees actions
with the owning agencies, with the live case page's action form; the chair signs off the
case record. Mounted on the coordination blueprint by ``register(bp)``.

Chairs and coordinators of the meeting's area only; everyone else gets 403 or 404. A case
heard at the meeting is sent to its live case page instead.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.action_items.forms import ActionForm
from marac_app.agencies.models import Agency
from marac_app.audit_actions import AuditAction
from marac_app.common.transaction import Read, attempt, render_read
from marac_app.coordination import services
from marac_app.coordination.forms import SignOffForm
from marac_app.coordination.permissions import (
    can_sign_off,
    can_work_on_coordinated_case,
    get_coordination_meeting_or_404,
)
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes.case_page import action_form_for
from marac_app.minutes.services import agenda_item_for, approval_of
from marac_app.permissions import deny, signed_in
from marac_app.referrals.models import AgendaItem
from marac_app.referrals.permissions import get_case_or_404
from marac_app.research.services import returns_for_case


def _load(meeting_id: int, case_id: int) -> tuple[Meeting, AgendaItem]:
    """The meeting and the case's agenda item on it; 404 (audited) unless the user may
    work on both and the case is on that meeting's list."""
    meeting = get_coordination_meeting_or_404(meeting_id, current_user)
    case = get_case_or_404(case_id, current_user)
    item = agenda_item_for(meeting, case.id)
    if item is None:
        deny(
            f"agenda_item:meeting={meeting.id},case={case.id}",
            object_type="case",
            object_id=case.id,
        )
    return meeting, item


def _render(
    meeting: Meeting,
    item: AgendaItem,
    *,
    status: int = 200,
    action_form: ActionForm | None = None,
    sign_off_form: SignOffForm | None = None,
    detail: str = "",
) -> ResponseReturnValue:
    """The co-ordinated case's page; audited as a read of the case (ids only)."""
    approval = approval_of(meeting)
    open_for_changes = approval is None and not item.is_signed_off and not meeting.is_cancelled
    may_write = can_work_on_coordinated_case(current_user, meeting)
    may_sign_off = can_sign_off(current_user, meeting)
    context: dict[str, Any] = {
        "meeting": meeting,
        "item": item,
        "case": item.case,
        "referral": item.referral or item.case.last_referral,
        "approval": approval,
        "actions": services.actions_of(item),
        "open_for_changes": open_for_changes,
        "may_sign_off": may_sign_off,
        # The agencies' research returns are the case's information (what this viewer may
        # see of them: "held but not shared" only for those allowed it).
        "returns": returns_for_case(item, current_user),
        "refused_form": action_form or sign_off_form,
    }
    if open_for_changes and may_write:
        context["action_form"] = action_form or action_form_for(meeting)
    if open_for_changes and may_sign_off:
        context["sign_off_form"] = sign_off_form or SignOffForm(formdata=None)
    return render_read(
        "coordination/case.html",
        audit=Read(
            AuditAction.COORDINATED_CASE_VIEWED,
            object_type="case",
            object_id=item.case_id,
            case_ids=[item.case_id],
            detail=f"meeting={meeting.id} item={item.id}{' ' + detail if detail else ''}",
        ),
        status=status,
        **context,
    )


def _live_page(meeting: Meeting, item: AgendaItem) -> ResponseReturnValue:
    return redirect(url_for("minutes.case_minutes", meeting_id=meeting.id, case_id=item.case_id))


@signed_in
def case_page(meeting_id: int, case_id: int) -> ResponseReturnValue:
    meeting, item = _load(meeting_id, case_id)
    if not item.is_coordinated:
        return _live_page(meeting, item)
    return _render(meeting, item)


@signed_in
def add_action(meeting_id: int, case_id: int) -> ResponseReturnValue:
    meeting, item = _load(meeting_id, case_id)
    form = action_form_for(meeting, request.form)
    if form.validate_on_submit():
        agency = db.session.get(Agency, form.owner_agency.data) if form.owner_agency.data else None
        done = attempt(
            lambda: services.agree_action(
                item,
                owner_agency=agency,
                description=form.description.data,
                due_date=form.due_date.data,
                priority=form.priority.data,
                actor=current_user,
            ),
            form,
        )
        if done and agency is not None:
            flash(f"Action added for {agency.name}.")
            return redirect(
                url_for("coordination.case_page", meeting_id=meeting.id, case_id=item.case_id)
                + "#actions"
            )
        return _render(meeting, item, action_form=form, status=done.status, detail="refused")
    return _render(meeting, item, action_form=form, status=400, detail="refused")


@signed_in
def sign_off(meeting_id: int, case_id: int) -> ResponseReturnValue:
    meeting, item = _load(meeting_id, case_id)
    if not can_sign_off(current_user, meeting):
        deny(
            f"coordinated_sign_off:meeting={meeting.id}",
            status=403,
            object_type="meeting",
            object_id=meeting.id,
        )
    form = SignOffForm()
    if form.validate_on_submit():
        done = attempt(
            lambda: services.sign_off(
                item, no_actions_reason=form.no_actions_reason.data, actor=current_user
            ),
            form,
        )
        if done:
            flash(f"The record of case {item.case.reference} has been signed off.")
            return redirect(
                url_for("coordination.case_page", meeting_id=meeting.id, case_id=item.case_id)
            )
        return _render(meeting, item, sign_off_form=form, status=done.status, detail="refused")
    return _render(meeting, item, sign_off_form=form, status=400, detail="refused")


def register(bp: Blueprint) -> None:
    """Mount these pages on the coordination blueprint (endpoints ``coordination.<name>``)."""
    bp.add_url_rule("/meetings/<int:meeting_id>/cases/<int:case_id>", view_func=case_page)
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/cases/<int:case_id>/actions",
        view_func=add_action,
        methods=["POST"],
    )
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/cases/<int:case_id>/sign-off",
        view_func=sign_off,
        methods=["POST"],
    )
