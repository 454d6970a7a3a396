"""Pages for opening a meeting: the statement, attendance, acknowledgements, the gate and
the live case list. Mounted at /meetings (the meetings feature owns /meetings/<id>)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from marac_app.attendance import roll_call, run_views, services
from marac_app.attendance.forms import (
    AcknowledgeForm,
    AcknowledgeSeveralForm,
    InviteeAttendanceForm,
    MarkReadForm,
    ObserverForm,
    PresentPersonForm,
)
from marac_app.attendance.models import (
    AcknowledgementMethod,
    Attendance,
    AttendanceStatus,
    Observer,
)
from marac_app.attendance.permissions import (
    can_acknowledge_for_self,
    can_open_meeting,
    can_take_attendance,
    get_attendance_or_404,
    get_meeting_to_chair_or_404,
    get_meeting_to_run_or_404,
    get_observer_or_404,
)
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role
from marac_app.common.time import london_day_bounds, london_today
from marac_app.common.transaction import Read, attempt, render_read
from marac_app.extensions import db
from marac_app.meetings.models import Meeting, MeetingStatus
from marac_app.meetings.permissions import get_meeting_or_404
from marac_app.permissions import deny, mark_authorised, roles_required, signed_in
from marac_app.protocol.services import current_statement

bp = Blueprint("attendance", __name__)

chair_or_coordinator = roles_required(Role.CHAIR, Role.COORDINATOR)
chair_only = roles_required(Role.CHAIR)


def _paragraphs(text: str) -> list[str]:
    """The statement's paragraphs (blank-line separated), each shown as its own <p>."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block]


# --- Opening the meeting: the statement --------------------------------------------------


@bp.route("/<int:meeting_id>/open", methods=["GET", "POST"])
@chair_or_coordinator
def open_meeting(meeting_id: int) -> ResponseReturnValue:
    meeting = get_meeting_to_run_or_404(meeting_id, current_user)
    statement = current_statement()
    form = MarkReadForm()
    status = 200
    if request.method == "POST":
        get_meeting_to_chair_or_404(meeting_id, current_user)
        if form.validate_on_submit():
            done = attempt(
                lambda: services.mark_statement_read(
                    meeting, shown_version=form.shown_version(), actor=current_user
                ),
                form,
            )
            if done:
                flash("The confidentiality statement has been marked as read.")
                return redirect(url_for("attendance.attendance", meeting_id=meeting.id))
            status = done.status
            statement = current_statement()
        else:
            status = 400
    form.statement_version.data = str(statement.version_number) if statement else ""
    opening = services.opening_of(meeting)
    return render_read(
        "attendance/open.html",
        audit=Read(AuditAction.MEETING_OPENING_VIEWED, object_type="meeting", object_id=meeting.id),
        status=status,
        meeting=meeting,
        statement=statement,
        form=form,
        opening=opening,
        paragraphs=_paragraphs(statement.text) if statement else [],
        may_mark_read=can_open_meeting(current_user, meeting),
    )


# --- Attendance ---------------------------------------------------------------------------


def _person_form(meeting: Meeting, form: PresentPersonForm | None = None) -> PresentPersonForm:
    form = form or PresentPersonForm(prefix="person")
    form.agency.choices = [SelectChoice("", "Select an agency")] + [
        SelectChoice(agency.id, agency.name) for agency in services.area_agencies(meeting)
    ]
    return form


def _several_form(
    meeting: Meeting,
    attendance: list[Attendance],
    acks: Mapping[int, object],
    observer_acks: Mapping[int, object],
    form: AcknowledgeSeveralForm | None = None,
) -> AcknowledgeSeveralForm:
    """The chair's "record several acknowledgements" form: a box for each present person
    and observer who has not acknowledged yet."""
    form = form or AcknowledgeSeveralForm(prefix="several")
    form.people.choices = [
        SelectChoice(f"attendance-{row.id}", f"{row.name} ({row.agency.name})")
        for row in attendance
        if row.status == AttendanceStatus.PRESENT and row.id not in acks
    ] + [
        SelectChoice(
            f"observer-{observer.id}", f"{observer.name} (observer, {observer.organisation})"
        )
        for observer in services.observers_of(meeting)
        if observer.id not in observer_acks
    ]
    return form


def _render_attendance(
    meeting: Meeting,
    *,
    person_form: PresentPersonForm | None = None,
    observer_form: ObserverForm | None = None,
    several_form: AcknowledgeSeveralForm | None = None,
    page_errors: list[str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    attendance = services.attendance_of(meeting)
    by_user = {row.user_id: row for row in attendance if row.user_id is not None}
    invitees = [(user, by_user.get(user.id)) for user in roll_call.expected_people(meeting)]
    chair_ids = {user.id for user in roll_call.chairs_of(meeting)}
    invited_ids = {user.id for user, _ in invitees}
    others = [row for row in attendance if row.user_id not in invited_ids]
    acks = {
        ack.attendance_id: ack
        for ack in services.acknowledgements_of(meeting)
        if ack.attendance_id is not None
    }
    observer_acks = {
        ack.observer_id: ack
        for ack in services.acknowledgements_of(meeting)
        if ack.observer_id is not None
    }
    version = services.required_version(meeting)
    return render_read(
        "attendance/attendance.html",
        audit=Read(
            AuditAction.MEETING_ATTENDANCE_VIEWED,
            object_type="meeting",
            object_id=meeting.id,
            detail=f"rows={len(attendance)}",
        ),
        status=status,
        meeting=meeting,
        invitees=invitees,
        others=others,
        observers=services.observers_of(meeting),
        acks=acks,
        observer_acks=observer_acks,
        version=version,
        problems=services.gate_problems(meeting),
        opening=services.opening_of(meeting),
        person_form=_person_form(meeting, person_form),
        observer_form=observer_form or ObserverForm(prefix="observer"),
        ack_form=AcknowledgeForm(),
        several_form=_several_form(meeting, attendance, acks, observer_acks, several_form),
        may_acknowledge=can_open_meeting(current_user, meeting),
        present=AttendanceStatus.PRESENT,
        chair_ids=chair_ids,
        unrecorded=sum(1 for _user, row in invitees if row is None),
        page_errors=page_errors or [],
    )


@bp.route("/<int:meeting_id>/attendance")
@chair_or_coordinator
def attendance(meeting_id: int) -> ResponseReturnValue:
    meeting = get_meeting_to_run_or_404(meeting_id, current_user)
    return _render_attendance(meeting)


@bp.route("/<int:meeting_id>/attendance/people/<int:user_id>", methods=["GET", "POST"])
@chair_or_coordinator
def record_invitee(meeting_id: int, user_id: int) -> ResponseReturnValue:
    meeting = get_meeting_to_run_or_404(meeting_id, current_user)
    invitee = next((u for u in roll_call.expected_people(meeting) if u.id == user_id), None)
    if invitee is None:
        deny(f"invitee:{user_id}", object_type="user", object_id=user_id)
    mark_authorised("invitee", invitee.id)
    existing = services.attendance_for_user(meeting, invitee)
    form = InviteeAttendanceForm()
    if request.method == "GET" and existing is not None:
        form.status.data = existing.status.value
        if existing.information_sent is not None:
            form.information_sent.data = "yes" if existing.information_sent else "no"
    if form.validate_on_submit() and attempt(
        lambda: services.record_invitee_attendance(
            meeting,
            invitee,
            status=AttendanceStatus(form.status.data),
            information_sent=form.information_sent_value(),
            actor=current_user,
        ),
        form,
    ):
        flash(f"Attendance recorded for {invitee.name}.")
        return redirect(url_for("attendance.attendance", meeting_id=meeting.id))
    return render_read(
        "attendance/invitee.html",
        audit=Read(
            AuditAction.MEETING_ATTENDANCE_VIEWED,
            object_type="user",
            object_id=invitee.id,
            detail=f"meeting={meeting.id}",
        ),
        status=400 if request.method == "POST" else 200,
        meeting=meeting,
        invitee=invitee,
        form=form,
    )


@bp.route("/<int:meeting_id>/attendance/present", methods=["POST"])
@chair_or_coordinator
def add_present(meeting_id: int) -> ResponseReturnValue:
    meeting = get_meeting_to_run_or_404(meeting_id, current_user)
    form = _person_form(meeting, PresentPersonForm(prefix="person"))
    if form.validate_on_submit():
        agency = next(
            (a for a in services.area_agencies(meeting) if a.id == form.agency.data), None
        )
        if attempt(
            lambda: services.add_present_person(
                meeting, name=form.name.data or "", agency=agency, actor=current_user
            ),
            form,
        ):
            flash(f"{form.name.data.strip()} has been recorded as present.")
            return redirect(url_for("attendance.attendance", meeting_id=meeting.id))
    return _render_attendance(meeting, person_form=form, status=400)


@bp.route("/<int:meeting_id>/attendance/observers", methods=["POST"])
@chair_or_coordinator
def add_observer(meeting_id: int) -> ResponseReturnValue:
    meeting = get_meeting_to_run_or_404(meeting_id, current_user)
    form = ObserverForm(prefix="observer")
    if form.validate_on_submit() and attempt(
        lambda: services.add_observer(
            meeting,
            name=form.name.data or "",
            organisation=form.organisation.data or "",
            chair_agreed=bool(form.chair_agreed.data),
            actor=current_user,
        ),
        form,
    ):
        flash(f"{form.name.data.strip()} has been recorded as an observer.")
        return redirect(url_for("attendance.attendance", meeting_id=meeting.id))
    return _render_attendance(meeting, observer_form=form, status=400)


def _acknowledge_on_behalf(meeting: Meeting, person: Attendance | Observer) -> ResponseReturnValue:
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        return _render_attendance(
            meeting, page_errors=["Your form could not be sent. Try again"], status=400
        )
    who = {"attendance": person} if isinstance(person, Attendance) else {"observer": person}
    done = attempt(
        lambda: services.acknowledge(
            meeting, actor=current_user, method=AcknowledgementMethod.RECORDED_BY_CHAIR, **who
        )
    )
    if done.error is not None:
        return _render_attendance(meeting, page_errors=[done.error.message], status=400)
    flash(f"{person.name}'s acknowledgement of the confidentiality statement has been recorded.")
    return redirect(url_for("attendance.attendance", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/attendance/<int:attendance_id>/acknowledge", methods=["POST"])
@chair_only
def acknowledge_on_behalf(meeting_id: int, attendance_id: int) -> ResponseReturnValue:
    meeting = get_meeting_to_chair_or_404(meeting_id, current_user)
    row = get_attendance_or_404(attendance_id, meeting, current_user)
    return _acknowledge_on_behalf(meeting, row)


@bp.route("/<int:meeting_id>/observers/<int:observer_id>/acknowledge", methods=["POST"])
@chair_only
def observer_acknowledge_on_behalf(meeting_id: int, observer_id: int) -> ResponseReturnValue:
    meeting = get_meeting_to_chair_or_404(meeting_id, current_user)
    observer = get_observer_or_404(observer_id, meeting, current_user)
    return _acknowledge_on_behalf(meeting, observer)


@bp.route("/<int:meeting_id>/attendance/everyone-present", methods=["POST"])
@chair_or_coordinator
def mark_everyone_present(meeting_id: int) -> ResponseReturnValue:
    meeting = get_meeting_to_run_or_404(meeting_id, current_user)
    form = AcknowledgeForm()  # a button: the CSRF token is its only field
    if not form.validate_on_submit():
        return _render_attendance(
            meeting, page_errors=["Your form could not be sent. Try again"], status=400
        )
    done = attempt(lambda: roll_call.mark_everyone_present(meeting, actor=current_user))
    if done.error is not None or done.value is None:
        message = done.error.message if done.error else "Try again"
        return _render_attendance(meeting, page_errors=[message], status=400)
    result = done.value
    count = len(result.marked)
    if count:
        flash(
            f"{count} {'person has' if count == 1 else 'people have'} been marked present. "
            "Change the attendance of anyone who is not here."
        )
    else:
        flash("Everyone invited already has their attendance recorded.")
    for name, reason in result.left_out:
        flash(f"{name} was not marked present: {reason}.")
    return redirect(url_for("attendance.attendance", meeting_id=meeting.id, _anchor="invited"))


@bp.route("/<int:meeting_id>/attendance/acknowledgements", methods=["POST"])
@chair_only
def acknowledge_several(meeting_id: int) -> ResponseReturnValue:
    meeting = get_meeting_to_chair_or_404(meeting_id, current_user)
    attendance = services.attendance_of(meeting)
    acks = {a.attendance_id: a for a in services.acknowledgements_of(meeting) if a.attendance_id}
    observer_acks = {
        a.observer_id: a for a in services.acknowledgements_of(meeting) if a.observer_id
    }
    form = _several_form(
        meeting, attendance, acks, observer_acks, AcknowledgeSeveralForm(prefix="several")
    )
    if form.validate_on_submit():
        rows = [
            get_attendance_or_404(i, meeting, current_user) for i in form.chosen_ids("attendance")
        ]
        observers = [
            get_observer_or_404(i, meeting, current_user) for i in form.chosen_ids("observer")
        ]
        done = attempt(
            lambda: roll_call.acknowledge_several(
                meeting, actor=current_user, attendances=rows, observers=observers
            ),
            form,
        )
        if done:
            count = len(rows) + len(observers)
            flash(
                f"{count} {'acknowledgement' if count == 1 else 'acknowledgements'} of the "
                f"confidentiality statement {'has' if count == 1 else 'have'} been recorded."
            )
            return redirect(url_for("attendance.attendance", meeting_id=meeting.id))
    return _render_attendance(meeting, several_form=form, status=400)


# --- Own-device acknowledgement --------------------------------------------------------------


@bp.route("/<int:meeting_id>/acknowledge", methods=["GET", "POST"])
@signed_in
def acknowledge(meeting_id: int) -> ResponseReturnValue:
    meeting = get_meeting_or_404(meeting_id, current_user)
    mine = services.attendance_for_user(meeting, current_user)
    form = AcknowledgeForm()
    errors: list[str] = []
    if request.method == "POST":
        if mine is None or not can_acknowledge_for_self(current_user, mine):
            errors.append("The chair has not marked you as present at this meeting yet")
        elif form.validate_on_submit():
            done = attempt(
                lambda: services.acknowledge(
                    meeting,
                    actor=current_user,
                    attendance=mine,
                    method=AcknowledgementMethod.OWN_DEVICE,
                )
            )
            if done:
                flash(
                    "Thank you. Your acknowledgement of the confidentiality statement has "
                    "been recorded."
                )
                return redirect(url_for("attendance.acknowledge", meeting_id=meeting.id))
            if done.error is not None:
                errors.append(done.error.message)
        else:
            errors.append("Your form could not be sent. Try again")
    statement = current_statement()
    ack = services.acknowledgement_for(meeting, attendance=mine) if mine is not None else None
    return render_read(
        "attendance/acknowledge.html",
        audit=Read(
            AuditAction.CONFIDENTIALITY_ACKNOWLEDGEMENT_VIEWED,
            object_type="meeting",
            object_id=meeting.id,
        ),
        status=400 if errors else 200,
        meeting=meeting,
        statement=statement,
        form=form,
        paragraphs=_paragraphs(statement.text) if statement else [],
        mine=mine,
        ack=ack,
        errors=errors,
        present=AttendanceStatus.PRESENT,
    )


# The live case list, keeping time and deferral: attendance/run_views.py.
run_views.register(bp)


# --- Partials on other features' pages --------------------------------------------------------


@bp.app_context_processor
def _attendance_helpers() -> dict[str, Any]:
    return {"attendance_panel": attendance_panel, "attendance_todays_meetings": todays_meetings}


def attendance_panel(meeting: Meeting) -> dict[str, Any]:
    """What the meeting page's panel shows the signed-in user (no names: no audit needed)."""
    user = current_user
    panel: dict[str, Any] = {
        "runs": False,
        "chairs": False,
        "problem_count": 0,
        "must_acknowledge": False,
        "acknowledged": False,
    }
    if not user.is_authenticated:
        return panel
    if can_take_attendance(user, meeting):
        panel["runs"] = True
        panel["chairs"] = can_open_meeting(user, meeting)
        panel["problem_count"] = len(services.gate_problems(meeting))
        panel["opened"] = services.opening_of(meeting) is not None
    mine = services.attendance_for_user(meeting, user)
    if mine is not None and can_acknowledge_for_self(user, mine):
        acknowledged = services.acknowledgement_for(meeting, attendance=mine) is not None
        panel["acknowledged"] = acknowledged
        panel["must_acknowledge"] = not acknowledged
    return panel


def todays_meetings() -> list[Meeting]:
    """Today's (Europe/London) meetings of the signed-in chair's or coordinator's area."""
    user = current_user
    if (
        not user.is_authenticated
        or user.role not in (Role.CHAIR, Role.COORDINATOR)
        or user.area_id is None
    ):
        return []
    start, end = london_day_bounds(london_today())
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(
                Meeting.area_id == user.area_id,
                Meeting.status == MeetingStatus.SCHEDULED,
                Meeting.starts_at >= start,
                Meeting.starts_at < end,
            )
            .order_by(Meeting.starts_at)
        )
    )
