"""Pages for distribution: pick the recipients, download a stamped copy of the minutes or an
agency's action extract, and see who holds a copy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role
from marac_app.common.transaction import Read, attempt, render_read
from marac_app.distribution import copies as copy_log
from marac_app.distribution import recipients as recipient_list
from marac_app.distribution.forms import RecipientsForm
from marac_app.distribution.jobs import SEND_MINUTES
from marac_app.distribution.models import DocumentCopy, MinutesRecipient
from marac_app.distribution.permissions import (
    MeetingPanel,
    get_downloadable_meeting_or_404,
    get_extract_or_404,
    get_overseen_meeting_or_404,
    get_recipients_meeting_or_404,
    meeting_panel,
)
from marac_app.jobs import services as jobs
from marac_app.jobs.models import BackgroundJob
from marac_app.meetings.models import Meeting
from marac_app.permissions import deny, roles_required, signed_in
from marac_app.protocol.services import signup_problem

bp = Blueprint("distribution", __name__)


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
    form = RecipientsForm()
    if request.method == "POST" and form.validate_on_submit():
        picked = [i if i is not None else 0 for i in (form.people.data or [])]

        def save() -> tuple[list[MinutesRecipient], BackgroundJob | None]:
            added, removed = recipient_list.save_recipients(meeting, picked, actor=current_user)
            job = None
            if added:
                job = jobs.enqueue(SEND_MINUTES, {"meeting_id": meeting.id}, owner=current_user)
            return removed, job

        saved = attempt(save, form)
        if saved and saved.value is not None:
            removed, job = saved.value
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
    context = _recipients_context(meeting, form)
    if request.method == "POST":
        # A refused change: shown again as it was typed (the GET that showed it was audited).
        return render_template("distribution/recipients.html", **context), 400
    return render_read(
        "distribution/recipients.html",
        audit=Read(AuditAction.MINUTES_RECIPIENTS_VIEWED, "meeting", meeting.id),
        **context,
    )


def _recipients_context(meeting: Meeting, form: RecipientsForm) -> dict[str, Any]:
    rows = recipient_list.recipient_rows(meeting)
    candidates = recipient_list.recipient_candidates(meeting)
    known = {u.id for u in candidates}
    # Recipients no longer in the candidate list (e.g. moved area) are still shown, so the
    # coordinator can remove them; they can no longer download (minutes_access_problem).
    candidates += [r.user for r in rows if r.user_id not in known]
    if request.method == "POST" and form.is_submitted():
        selected = {str(i) for i in (form.people.data or [])}
    elif rows:
        selected = {str(r.user_id) for r in rows}
    else:
        selected = {str(i) for i in recipient_list.default_recipient_ids(meeting)}
    return {
        "form": form,
        "meeting": meeting,
        "approved": copy_log.approved_version(meeting) is not None,
        "candidates": candidates,
        "problems": {person.id: signup_problem(person.agency) for person in candidates},
        "selected": selected,
        "rows": rows,
        "eligible": known,
    }


def _issued_pdf(meeting_id: int, issue: Callable[[], tuple[DocumentCopy, bytes]]) -> bytes:
    """Run ``issue`` (which stamps, logs and audits the copy) as the request's change; a
    refusal is a 404 audited as denied, like a meeting the person may not use."""
    issued = attempt(issue)
    if not issued or issued.value is None:
        deny(f"minutes_copy:{meeting_id}", object_type="meeting", object_id=meeting_id)
    return issued.value[1]


@bp.route("/meetings/<int:meeting_id>/minutes.pdf")
@signed_in
def download(meeting_id: int) -> ResponseReturnValue:
    meeting = get_downloadable_meeting_or_404(meeting_id, current_user)
    pdf = _issued_pdf(
        meeting_id,
        lambda: recipient_list.issue_minutes_copy(
            meeting, current_user, actor=current_user, ip=request.remote_addr
        ),
    )
    return _pdf_response(pdf, copy_log.minutes_filename(meeting))


@bp.route("/meetings/<int:meeting_id>/actions/<int:agency_id>.pdf")
@signed_in
def action_extract(meeting_id: int, agency_id: int) -> ResponseReturnValue:
    meeting, agency = get_extract_or_404(meeting_id, agency_id, current_user)
    pdf = _issued_pdf(
        meeting_id,
        lambda: recipient_list.issue_action_extract(
            meeting, agency, current_user, actor=current_user, ip=request.remote_addr
        ),
    )
    return _pdf_response(pdf, copy_log.minutes_filename(meeting, agency_id=agency.id))


@bp.route("/meetings/<int:meeting_id>/copies")
@roles_required(Role.COORDINATOR, Role.CHAIR)
def copies(meeting_id: int) -> ResponseReturnValue:
    meeting = get_overseen_meeting_or_404(meeting_id, current_user)
    issued = copy_log.copies_for_meeting(meeting.id)
    holders = {c.recipient_user_id for c in issued}
    waiting = [r for r in recipient_list.recipient_rows(meeting) if r.user_id not in holders]
    return render_read(
        "distribution/copies.html",
        audit=Read(
            AuditAction.MINUTES_COPIES_VIEWED, "meeting", meeting.id, detail=f"copies={len(issued)}"
        ),
        meeting=meeting,
        issued=issued,
        waiting=waiting,
        approved=copy_log.approved_version(meeting) is not None,
    )


@bp.app_context_processor
def _distribution_helpers() -> dict[str, Any]:
    return {"distribution_panel": distribution_panel}


def distribution_panel(meeting: Meeting) -> MeetingPanel:
    """What the meeting page's distribution panel offers the signed-in user (reads only)."""
    return meeting_panel(current_user, meeting)
