"""The live case list: keeping time, hearing a case, deferring it, and the area's target.
Mounted on the attendance blueprint (/meetings) by ``register(bp)``, called from
``marac_app.attendance.views``.

- ``run_meeting``: the run sheet — the cases to be heard, each with its state, time spent
  against the area's target, a running clock for the case being heard
  (``static/src/meeting-run.mjs``; without JavaScript the start time and minutes so far),
  the projected finish and the overrun in words; then the co-ordinated cases (not heard:
  their closing date and whether the chair has signed off their record). Audited as a read
  of every case it shows.
- ``start_case`` / ``case_heard``: the chair (or the coordinator at the keyboard) starts and
  ends hearing a case; starting one ends the one before.
- ``defer_case``: defer an undiscussed case to the area's next meeting, with a reason.
- ``case_target``: the area's coordinator sets the target minutes per case (admins use the
  admin area form).
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.attendance import services, timing
from marac_app.attendance.forms import AcknowledgeForm, CaseTargetForm, DeferForm
from marac_app.attendance.permissions import (
    can_set_case_target,
    get_area_to_set_target_or_404,
    get_listed_item_or_404,
    get_meeting_to_run_or_404,
)
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role
from marac_app.common.time import london_now
from marac_app.common.transaction import Read, attempt, render_read
from marac_app.meetings.models import Meeting
from marac_app.permissions import roles_required

chair_or_coordinator = roles_required(Role.CHAIR, Role.COORDINATOR)
coordinator_only = roles_required(Role.COORDINATOR)


def register(bp: Blueprint) -> None:
    """Add this module's routes to the attendance blueprint."""
    bp.add_url_rule("/<int:meeting_id>/run", view_func=run_meeting)
    bp.add_url_rule(
        "/<int:meeting_id>/run/<int:item_id>/start", view_func=start_case, methods=["POST"]
    )
    bp.add_url_rule(
        "/<int:meeting_id>/run/<int:item_id>/heard", view_func=case_heard, methods=["POST"]
    )
    bp.add_url_rule(
        "/<int:meeting_id>/run/<int:item_id>/defer",
        view_func=defer_case,
        methods=["GET", "POST"],
    )
    bp.add_url_rule(
        "/areas/<int:area_id>/case-target", view_func=case_target, methods=["GET", "POST"]
    )


def _render_run(
    meeting: Meeting, *, page_errors: list[str] | None = None, status: int = 200
) -> ResponseReturnValue:
    problems = services.gate_problems(meeting)
    listed = services.case_list(meeting)
    # Co-ordinated cases are not heard at the table: shown apart, whether or not the gate
    # is open (their record is kept on their own page, not at the hearing).
    coordinated = [item for item in listed if item.is_coordinated]
    items = [] if problems else listed
    sheet = timing.run_sheet(meeting, items) if not problems else None
    shown = [row.case_id for row in sheet.rows] if sheet else []
    shown += [item.case_id for item in coordinated]
    # Items a guard refuses to defer (e.g. approved minutes) get no "Defer" link.
    deferrable = {item.id for item in items if timing.deferral_refusal(item) is None}
    return render_read(
        "attendance/run.html",
        audit=Read(
            AuditAction.MEETING_CASE_LIST_VIEWED,
            object_type="meeting",
            object_id=meeting.id,
            case_ids=shown,
            detail=(
                "gate=closed" if problems else f"gate=open rows={len(shown) - len(coordinated)}"
            )
            + (f" coordinated={len(coordinated)}" if coordinated else ""),
        ),
        status=status,
        meeting=meeting,
        problems=problems,
        items=items,
        sheet=sheet,
        coordinated=coordinated,
        has_coordination_page="coordination.case_page" in current_app.view_functions,
        states=timing.HearingState,
        minutes_words=timing.minutes_words,
        meeting_words=timing.meeting_words,
        form=AcknowledgeForm(),
        page_errors=page_errors or [],
        deferrable=deferrable,
        may_set_target=can_set_case_target(current_user, meeting.area),
        has_case_page="minutes.case_minutes" in current_app.view_functions,
    )


@chair_or_coordinator
def run_meeting(meeting_id: int) -> ResponseReturnValue:
    meeting = get_meeting_to_run_or_404(meeting_id, current_user)
    return _render_run(meeting)


def _hearing_change(meeting_id: int, item_id: int, start: bool) -> ResponseReturnValue:
    meeting = get_meeting_to_run_or_404(meeting_id, current_user)
    item = get_listed_item_or_404(item_id, meeting)
    form = AcknowledgeForm()  # a button: the CSRF token is its only field
    if not form.validate_on_submit():
        return _render_run(
            meeting, page_errors=["Your form could not be sent. Try again"], status=400
        )
    reference = item.case.reference
    if start:
        done = attempt(lambda: timing.start_hearing(meeting, item, actor=current_user))
    else:
        done = attempt(lambda: timing.end_hearing(meeting, item, actor=current_user))
    if done.error is not None:
        return _render_run(meeting, page_errors=[done.error.message], status=done.status)
    if start:
        flash(f"Hearing {reference} started at {london_now():%H:%M}.")
    else:
        flash(f"{reference} has been heard ({london_now():%H:%M}).")
    return redirect(url_for("attendance.run_meeting", meeting_id=meeting.id, _anchor="case-list"))


@chair_or_coordinator
def start_case(meeting_id: int, item_id: int) -> ResponseReturnValue:
    return _hearing_change(meeting_id, item_id, start=True)


@chair_or_coordinator
def case_heard(meeting_id: int, item_id: int) -> ResponseReturnValue:
    return _hearing_change(meeting_id, item_id, start=False)


@chair_or_coordinator
def defer_case(meeting_id: int, item_id: int) -> ResponseReturnValue:
    meeting = get_meeting_to_run_or_404(meeting_id, current_user)
    item = get_listed_item_or_404(item_id, meeting)
    form = DeferForm()
    status = 200
    if request.method == "POST":
        reference = item.case.reference
        if form.validate_on_submit():
            done = attempt(
                lambda: timing.defer_case(
                    meeting, item, reason=form.reason.data or "", actor=current_user
                ),
                form,
            )
            if done and done.value is not None:
                to = timing.meeting_words(done.value.to_meeting)
                flash(f"{reference} has been deferred to {to}.")
                return redirect(
                    url_for("attendance.run_meeting", meeting_id=meeting.id, _anchor="case-list")
                )
            status = done.status
        else:
            status = 400
    return render_read(
        "attendance/defer.html",
        audit=Read(
            AuditAction.CASE_DEFERRAL_FORM_VIEWED,
            object_type="agenda_item",
            object_id=item.id,
            case_ids=[item.case_id],
            detail=f"meeting={meeting.id}",
        ),
        status=status,
        meeting=meeting,
        item=item,
        form=form,
        next_meeting=timing.next_meeting(meeting),
        meeting_words=timing.meeting_words,
        refusal=timing.deferral_refusal(item),
    )


@coordinator_only
def case_target(area_id: int) -> ResponseReturnValue:
    area = get_area_to_set_target_or_404(area_id, current_user)
    form = CaseTargetForm()
    if request.method == "GET":
        form.minutes.data = str(area.case_target_minutes)
    back = request.args.get("meeting", type=int)
    if form.validate_on_submit() and attempt(
        lambda: timing.set_case_target(area, minutes=form.minutes_value(), actor=current_user),
        form,
    ):
        target = timing.minutes_words(area.case_target_minutes)
        flash(f"The target for each case in {area.name} is now {target}.")
        if back:
            return redirect(url_for("attendance.run_meeting", meeting_id=back))
        return redirect(url_for("attendance.case_target", area_id=area.id))
    return (
        render_template("attendance/case_target.html", area=area, form=form, back=back),
        400 if request.method == "POST" else 200,
    )
