"""Pages for distribution: pick the recipients, download a stamped copy of the minutes or an
agency's action extract, and see who holds a copy."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role
from marac_app.common.errors import ServiceError
from marac_app.distribution import services
from marac_app.distribution.forms import RecipientsForm
from marac_app.distribution.jobs import SEND_MINUTES
from marac_app.distribution.permissions import (
    get_downloadable_meeting_or_404,
    get_extract_or_404,
    get_overseen_meeting_or_404,
    get_recipients_meeting_or_404,
)
from marac_app.extensions import db
from marac_app.jobs import services as jobs
from marac_app.meetings.models import Meeting
from marac_app.meetings.permissions import can_manage_meeting, is_invited
from marac_app.permissions import deny, roles_required, signed_in
from marac_app.protocol.services import signup_problem

bp = Blueprint("distribution", __name__)


def _status() -> int:
    return 400 if request.method == "POST" else 200


def _pdf_response(pdf: bytes, filename: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/meetings/<int:meeting_id>/recipients", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def recipients(meeting_id: int) -> ResponseReturnValue:
    meeting = get_recipients_meeting_or_404(meeting_id, current_user)
    approved = services.approved_version(meeting) is not None
    form = RecipientsForm()
    rows = services.recipient_rows(meeting)
    live_ids = {r.user_id for r in rows}
    candidates = services.recipient_candidates(meeting)
    known = {u.id for u in candidates}
    # Recipients no longer in the candidate list (e.g. moved area) are still shown, so the
    # coordinator can remove them; they can no longer download (minutes_access_problem).
    candidates += [r.user for r in rows if r.user_id not in known]
    problems = {person.id: signup_problem(person.agency) for person in candidates}
    if request.method == "POST" and form.validate_on_submit():
        picked = [i if i is not None else 0 for i in (form.people.data or [])]
        try:
            added, removed = services.save_recipients(meeting, picked, actor=current_user)
        except ServiceError as error:
            db.session.rollback()
            if error.field and hasattr(form, error.field):
                getattr(form, error.field).errors = [error.message]
            else:
                form.form_errors.append(error.message)
        else:
            job = None
            if added:
                job = jobs.enqueue(SEND_MINUTES, {"meeting_id": meeting.id}, owner=current_user)
            db.session.commit()
            if removed:
                flash(
                    f"{len(removed)} {'person' if len(removed) == 1 else 'people'} removed: "
                    "their access to the minutes and their copies have been revoked."
                )
            if job is not None:
                jobs.dispatch(job)
                return redirect(url_for("jobs.status_page", public_id=job.public_id))
            if not removed:
                flash("No changes were made.")
            return redirect(url_for("distribution.recipients", meeting_id=meeting.id))
    if request.method == "GET":
        record(AuditAction.MINUTES_RECIPIENTS_VIEWED, object_type="meeting", object_id=meeting.id)
        db.session.commit()
    if request.method == "POST" and form.is_submitted():
        selected = {str(i) for i in (form.people.data or [])}
    elif rows:
        selected = {str(i) for i in live_ids}
    else:
        selected = {str(i) for i in services.default_recipient_ids(meeting)}
    return render_template(
        "distribution/recipients.html",
        form=form,
        meeting=meeting,
        approved=approved,
        candidates=candidates,
        problems=problems,
        selected=selected,
        rows=rows,
        eligible=known,
    ), _status()


@bp.route("/meetings/<int:meeting_id>/minutes.pdf")
@signed_in
def download(meeting_id: int) -> ResponseReturnValue:
    meeting = get_downloadable_meeting_or_404(meeting_id, current_user)
    try:
        _copy, pdf = services.issue_minutes_copy(
            meeting, current_user, actor=current_user, ip=request.remote_addr
        )
    except services.CopyRefused:
        db.session.rollback()
        return _refused(meeting_id)
    db.session.commit()
    return _pdf_response(pdf, services.minutes_filename(meeting))


@bp.route("/meetings/<int:meeting_id>/actions/<int:agency_id>.pdf")
@signed_in
def action_extract(meeting_id: int, agency_id: int) -> ResponseReturnValue:
    meeting, agency = get_extract_or_404(meeting_id, agency_id, current_user)
    try:
        _copy, pdf = services.issue_action_extract(
            meeting, agency, current_user, actor=current_user, ip=request.remote_addr
        )
    except services.CopyRefused:
        db.session.rollback()
        return _refused(meeting_id)
    db.session.commit()
    return _pdf_response(pdf, services.minutes_filename(meeting, agency_id=agency.id))


def _refused(meeting_id: int) -> ResponseReturnValue:

    deny(f"minutes_copy:{meeting_id}", object_type="meeting", object_id=meeting_id)
    return "", 404  # not reached: deny aborts


@bp.route("/meetings/<int:meeting_id>/copies")
@roles_required(Role.COORDINATOR, Role.CHAIR)
def copies(meeting_id: int) -> ResponseReturnValue:
    meeting = get_overseen_meeting_or_404(meeting_id, current_user)
    issued = services.copies_for_meeting(meeting.id)
    holders = {c.recipient_user_id for c in issued}
    waiting = [r for r in services.recipient_rows(meeting) if r.user_id not in holders]
    record(
        AuditAction.MINUTES_COPIES_VIEWED,
        object_type="meeting",
        object_id=meeting.id,
        detail=f"copies={len(issued)}",
    )
    db.session.commit()
    return render_template(
        "distribution/copies.html",
        meeting=meeting,
        issued=issued,
        waiting=waiting,
        approved=services.approved_version(meeting) is not None,
    )


@bp.app_context_processor
def _distribution_helpers() -> dict[str, Any]:
    return {"distribution_panel": distribution_panel}


def distribution_panel(meeting: Meeting) -> dict[str, Any]:
    """What the meeting page's distribution panel offers the signed-in user (no names)."""
    user = current_user
    panel: dict[str, Any] = {
        "show": False,
        "approved": False,
        "manage": False,
        "oversee": False,
        "download": False,
        "extract_agency_id": None,
    }
    if not user.is_authenticated or not user.active:
        return panel
    panel["approved"] = services.approved_version(meeting) is not None
    panel["manage"] = can_manage_meeting(user, meeting)
    panel["oversee"] = services.oversees_area(user, meeting)
    if panel["approved"]:
        panel["download"] = services.minutes_access_problem(meeting, user) is None
        if (
            user.role == Role.AGENCY_REP
            and user.agency is not None
            and (panel["download"] or is_invited(user, meeting))
            and services.extract_access_problem(meeting, user.agency, user) is None
        ):
            panel["extract_agency_id"] = user.agency_id
    panel["show"] = bool(panel["oversee"] or panel["download"] or panel["extract_agency_id"])
    return panel
