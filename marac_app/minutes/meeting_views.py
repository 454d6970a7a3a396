"""The meeting's pages of the live minutes: the start page (outstanding actions first, then
the case list and approval), the approval check and the approval itself, and the read-only
minutes.

Registered on the minutes blueprint by ``register(bp)`` (called from minutes/views.py).
Chairs and coordinators of the meeting's area only; everyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.action_items import services as action_services
from marac_app.attendance.services import case_list, gate_problems
from marac_app.audit_actions import AuditAction
from marac_app.common.transaction import Read, attempt, render_read
from marac_app.meetings.models import Meeting
from marac_app.minutes import approval, circulation, circulation_views, services
from marac_app.minutes.builder import deferrals_of
from marac_app.minutes.forms import ApproveForm, approve_form
from marac_app.minutes.models import RISK_FIELDS
from marac_app.minutes.pages import require_chair
from marac_app.minutes.permissions import (
    can_chair_minutes,
    can_write_entries,
    get_minutes_meeting_or_404,
)
from marac_app.permissions import signed_in

# --- The meeting: outstanding actions first, the case list, approval -------------------


OUTSTANDING_SHOWN = 50


def _render_meeting(
    meeting: Meeting, *, form: ApproveForm | None = None, status: int = 200
) -> ResponseReturnValue:
    problems = gate_problems(meeting)
    # One page of them (the soonest due); the action list has them all.
    outstanding = action_services.outstanding_actions(
        meeting.area_id, meeting, limit=OUTSTANDING_SHOWN + 1
    )
    more_outstanding = len(outstanding) > OUTSTANDING_SHOWN
    outstanding = outstanding[:OUTSTANDING_SHOWN]
    items = case_list(meeting)
    deferrals = deferrals_of(meeting, items)
    approval = services.approval_of(meeting)
    read = Read(
        AuditAction.MINUTES_MEETING_VIEWED,
        object_type="meeting",
        object_id=meeting.id,
        case_ids=sorted(
            {item.case_id for item in items}
            | {a.case_id for a in outstanding}
            | {d.case_id for d in deferrals if d.case_id is not None}
        ),
        detail=f"outstanding={len(outstanding)} cases={len(items)} deferred={len(deferrals)}",
    )
    return render_read(
        "minutes/meeting.html",
        audit=read,
        status=status,
        meeting=meeting,
        problems=problems,
        outstanding=outstanding,
        more_outstanding=more_outstanding,
        items=items,
        deferrals=deferrals,
        approval=approval,
        form=form or ApproveForm(formdata=None),
        can_chair=can_chair_minutes(current_user, meeting),
        can_write=can_write_entries(current_user, meeting),
        circulation=circulation.current_circulation(meeting),
        circulation_open=circulation.is_open(circulation.current_circulation(meeting)),
        comment_count=len(circulation.comments_of(meeting)),
        has_coordination_page="coordination.case_page" in current_app.view_functions,
    )


@signed_in
def meeting_minutes(meeting_id: int) -> ResponseReturnValue:
    meeting = get_minutes_meeting_or_404(meeting_id, current_user)
    return _render_meeting(meeting)


def _approve_form(checks: list[approval.CaseCheck], formdata: Any = None) -> ApproveForm:
    return approve_form(
        {
            check.field_name: f"Why is case {check.item.case.reference} approved without "
            f"{check.missing_text}?"
            for check in checks
            if not check.complete
        },
        formdata,
    )


def _render_approval(
    meeting: Meeting,
    checks: list[approval.CaseCheck],
    form: ApproveForm,
    *,
    status: int = 200,
) -> ResponseReturnValue:
    """The approval check page; audited as a read of every case on the list (ids only)."""
    current = circulation.current_circulation(meeting)
    read = Read(
        AuditAction.MINUTES_APPROVAL_CHECK_VIEWED,
        object_type="meeting",
        object_id=meeting.id,
        case_ids=[check.item.case_id for check in checks],
        detail=f"cases={len(checks)} incomplete={sum(not c.complete for c in checks)}"
        f"{' refused' if status >= 400 else ''}",
    )
    return render_read(
        "minutes/approve.html",
        audit=read,
        status=status,
        meeting=meeting,
        checks=checks,
        incomplete=[check for check in checks if not check.complete],
        form=form,
        problems=gate_problems(meeting),
        approval=services.approval_of(meeting),
        circulation=current,
        circulation_open=circulation.is_open(current),
        comment_count=len(circulation.comments_of(meeting)),
        has_coordination_page="coordination.case_page" in current_app.view_functions,
    )


@signed_in
def approve(meeting_id: int) -> ResponseReturnValue:
    """The approval check page (GET) and the approval itself (POST): the chair confirms,
    with a reason for every incomplete case (marac_app/minutes/approval.py)."""
    meeting = get_minutes_meeting_or_404(meeting_id, current_user)
    require_chair(meeting, "minutes_approve")
    checks = approval.approval_check(meeting)
    if request.method == "GET":
        return _render_approval(meeting, checks, _approve_form(checks))
    form = _approve_form(checks, request.form)
    if not form.validate_on_submit():
        return _render_approval(meeting, checks, form, status=400)
    reasons = {
        check.item.id: getattr(form, check.field_name).data
        for check in checks
        if not check.complete
    }
    confirmed = bool(form.confirm.data)
    if not gate_problems(meeting) and services.approval_of(meeting) is None:
        refused = approval.refusals(checks, confirmed=confirmed, reasons=reasons)
        for name, message in refused.items():
            getattr(form, name).errors.append(message)
        if refused:
            return _render_approval(meeting, checks, form, status=400)
    done = attempt(
        lambda: approval.approve_checked(
            meeting, confirmed=confirmed, reasons=reasons, actor=current_user
        ),
        form,
    )
    if not done:
        return _render_approval(meeting, approval.approval_check(meeting), form, status=done.status)
    flash(
        "The minutes have been approved. They are now read-only: corrections are "
        "made as amendments with a reason."
    )
    return redirect(url_for("minutes.meeting_minutes", meeting_id=meeting.id))


@signed_in
def view_minutes(meeting_id: int) -> ResponseReturnValue:
    meeting = get_minutes_meeting_or_404(meeting_id, current_user)
    items = case_list(meeting)
    cases = circulation_views.minutes_cases(meeting, items)
    deferrals = deferrals_of(meeting, items)
    read = Read(
        AuditAction.MINUTES_VIEWED,
        object_type="meeting",
        object_id=meeting.id,
        case_ids=[item.case_id for item in items]
        + [d.case_id for d in deferrals if d.case_id is not None],
        detail=f"cases={len(items)} deferred={len(deferrals)}",
    )
    return render_read(
        "minutes/view.html",
        audit=read,
        meeting=meeting,
        cases=cases,
        deferrals=deferrals,
        approval=services.approval_of(meeting),
        risk_fields=RISK_FIELDS,
        current_text=services.current_text,
        current_risk_text=services.current_risk_text,
    )


def register(bp: Blueprint) -> None:
    """Mount these pages on the minutes blueprint (endpoints ``minutes.<function>``)."""
    bp.add_url_rule("/meetings/<int:meeting_id>", view_func=meeting_minutes)
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/approve", view_func=approve, methods=["GET", "POST"]
    )
    bp.add_url_rule("/meetings/<int:meeting_id>/view", view_func=view_minutes)
