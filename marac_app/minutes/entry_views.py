"""Entry pages of the live minutes: editing an entry (409 on a stale save, both texts
shown), its revision history, and after approval the amendments with a reason (an entry,
a part of the risk summary, a late entry).

Registered on the minutes blueprint by ``register(bp)`` (called from minutes/views.py).
Chairs and coordinators of the meeting's area only; everyone else gets 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.agencies.models import Agency
from marac_app.audit_actions import AuditAction
from marac_app.common.sanitize import editable_text
from marac_app.common.transaction import Read, attempt, render_read
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes import drafts, services
from marac_app.minutes.case_page import agency_choices, entry_form_for, render_case
from marac_app.minutes.forms import AmendEntryForm, AmendRiskForm, EntryForm, LateEntryForm
from marac_app.minutes.models import RISK_FIELDS, MinuteEntry, MinutesAmendment, RiskSummary
from marac_app.minutes.pages import (
    draft_url_for,
    load_item,
    require_chair,
    to_int,
    wants_fragment,
)
from marac_app.minutes.permissions import (
    can_write_entries,
    get_entry_or_404,
    get_minutes_meeting_or_404,
)
from marac_app.permissions import deny, signed_in

# --- Editing an entry ------------------------------------------------------------------


def _entry_read(action: AuditAction, meeting: Meeting, entry: MinuteEntry, detail: str) -> Read:
    """The audited read of a page showing one minutes entry (names its case)."""
    return Read(
        action,
        object_type="minute_entry",
        object_id=entry.id,
        case_ids=[entry.agenda_item.case_id],
        detail=f"meeting={meeting.id}{detail}",
    )


def _render_edit(
    meeting: Meeting,
    entry: MinuteEntry,
    form: EntryForm | None,
    *,
    status: int = 200,
    theirs: MinuteEntry | None = None,
    message: str | None = None,
) -> ResponseReturnValue:
    read = _entry_read(
        AuditAction.MINUTE_ENTRY_VIEWED,
        meeting,
        entry,
        f"{' refused' if status >= 400 else ''}{' fragment' if wants_fragment() else ''}",
    )
    # In place (live.mjs): the edit form is shown above the (hidden) "Add an entry" form, so
    # its fields take ids of their own (the names posted stay the same).
    fragment = wants_fragment()
    if fragment and form is not None:
        for field in form:
            field.id = f"edit-{field.id}"
    return render_read(
        "minutes/_live_fragment.html" if fragment else "minutes/edit_entry.html",
        audit=read,
        status=status,
        regions=("entry_edit",),
        in_fragment=fragment,
        live_status="ok" if status < 400 else "refused",
        draft_url=draft_url_for(meeting, entry.agenda_item),
        meeting=meeting,
        entry=entry,
        form=form,
        theirs=theirs,
        message=message,
        case=entry.agenda_item.case,
        their_source=editable_text(theirs.text_html) if theirs else "",
    )


def _amended(
    meeting: Meeting,
    case_id: int,
    amendment: MinutesAmendment,
    anchor: str,
    what: str = "The amendment has been recorded",
) -> ResponseReturnValue:
    """After an amendment of approved minutes: say which version they now are and go back
    to the case's minutes at ``anchor``."""
    flash(f"{what}. The minutes are now version {amendment.minutes_version}.")
    return redirect(
        url_for("minutes.case_minutes", meeting_id=meeting.id, case_id=case_id) + anchor
    )


@signed_in
def edit_entry(meeting_id: int, entry_id: int) -> ResponseReturnValue:
    meeting = get_minutes_meeting_or_404(meeting_id, current_user)
    entry = get_entry_or_404(meeting, entry_id, current_user)
    if not can_write_entries(current_user, meeting):
        deny(
            f"minute_entry_edit:{entry.id}",
            status=403,
            object_type="minute_entry",
            object_id=entry.id,
        )
    if services.approval_of(meeting) is not None:
        return _render_edit(
            meeting,
            entry,
            None,
            status=409 if request.method == "POST" else 200,
            message=services.APPROVED_MESSAGE,
        )
    if request.method == "GET":
        form = entry_form_for(
            meeting,
            None,
            version=str(entry.version),
            subject=entry.subject.value,
            kind=entry.kind.value,
            source_agency=entry.source_agency_id,
            text=editable_text(entry.text_html),
        )
        drafts.restore(form, current_user, entry.agenda_item, drafts.entry_key(entry.id, "edit"))
        return _render_edit(meeting, entry, form)
    form = entry_form_for(meeting, request.form)
    if form.validate_on_submit():
        done = attempt(
            lambda: services.edit_entry(
                entry,
                version=to_int(form.version.data),
                subject=form.subject.data,
                kind=form.kind.data,
                source_agency=db.session.get(Agency, form.source_agency.data)
                if form.source_agency.data
                else None,
                text=form.text.data,
                actor=current_user,
            ),
            form,
        )
        if done.conflict:
            fresh = get_entry_or_404(meeting, entry_id, current_user)
            if services.approval_of(meeting) is not None:
                return _render_edit(
                    meeting, fresh, None, status=409, message=services.APPROVED_MESSAGE
                )
            form.version.data = str(fresh.version)
            return _render_edit(meeting, fresh, form, status=409, theirs=fresh)
        if not done:
            return _render_edit(
                meeting, get_entry_or_404(meeting, entry_id, current_user), form, status=400
            )
        if wants_fragment():
            return render_case(
                meeting,
                entry.agenda_item,
                regions=("entries",),
                notice="The entry has been saved. Its earlier text is kept in its history.",
                notice_region="live-entries",
                announce="Entry saved",
            )
        flash("The entry has been saved. Its earlier text is kept in its history.")
        return redirect(
            url_for(
                "minutes.case_minutes", meeting_id=meeting.id, case_id=entry.agenda_item.case_id
            )
            + f"#entry-{entry.id}"
        )
    return _render_edit(meeting, entry, form, status=400)


@signed_in
def entry_history(meeting_id: int, entry_id: int) -> ResponseReturnValue:
    meeting = get_minutes_meeting_or_404(meeting_id, current_user)
    entry = get_entry_or_404(meeting, entry_id, current_user)
    read = _entry_read(
        AuditAction.MINUTE_ENTRY_HISTORY_VIEWED,
        meeting,
        entry,
        f" revisions={len(entry.revisions)}",
    )
    return render_read(
        "minutes/history.html",
        audit=read,
        meeting=meeting,
        entry=entry,
        case=entry.agenda_item.case,
    )


# --- Amendments after approval ---------------------------------------------------------


@signed_in
def amend_entry(meeting_id: int, entry_id: int) -> ResponseReturnValue:
    meeting = get_minutes_meeting_or_404(meeting_id, current_user)
    entry = get_entry_or_404(meeting, entry_id, current_user)
    require_chair(meeting, "minutes_amend")
    approval = services.approval_of(meeting)
    if approval is None:
        return redirect(url_for("minutes.edit_entry", meeting_id=meeting.id, entry_id=entry.id))
    form = AmendEntryForm()
    if request.method == "GET":
        form.text.data = editable_text(services.current_text(entry))
        drafts.restore(form, current_user, entry.agenda_item, drafts.entry_key(entry.id, "amend"))
    elif form.validate_on_submit():
        done = attempt(
            lambda: services.amend_entry(
                entry, reason=form.reason.data, text=form.text.data, actor=current_user
            ),
            form,
        )
        if done.value is not None:
            return _amended(meeting, entry.agenda_item.case_id, done.value, f"#entry-{entry.id}")
    entry = get_entry_or_404(meeting, entry_id, current_user)
    read = _entry_read(AuditAction.MINUTE_ENTRY_VIEWED, meeting, entry, " amend")
    return render_read(
        "minutes/amend.html",
        audit=read,
        status=400 if request.method == "POST" else 200,
        meeting=meeting,
        form=form,
        entry=entry,
        summary=None,
        case=entry.agenda_item.case,
        original=entry.text_html,
        current=services.current_text(entry),
        amendments=entry.amendments,
        approval=services.approval_of(meeting),
    )


@signed_in
def late_entry(meeting_id: int, case_id: int) -> ResponseReturnValue:
    """After approval, the chair adds an entry to a case through the amendment path, with a
    reason (a case approved with nothing recorded can still be completed)."""
    meeting, item = load_item(meeting_id, case_id)
    require_chair(meeting, "minutes_amend")
    if services.approval_of(meeting) is None:
        return redirect(
            url_for("minutes.case_minutes", meeting_id=meeting.id, case_id=item.case_id)
        )
    form = LateEntryForm(formdata=request.form if request.method == "POST" else None)
    form.source_agency.choices = agency_choices(meeting)
    if request.method == "POST" and form.validate_on_submit():
        done = attempt(
            lambda: services.add_late_entry(
                item,
                subject=form.subject.data,
                kind=form.kind.data,
                source_agency=db.session.get(Agency, form.source_agency.data)
                if form.source_agency.data
                else None,
                text=form.text.data,
                reason=form.reason.data,
                actor=current_user,
            ),
            form,
        )
        amendment = done.value
        if amendment is not None:
            return _amended(
                meeting,
                item.case_id,
                amendment,
                f"#entry-{amendment.entry_id}",
                what="The late entry has been recorded as an amendment",
            )
    read = Read(
        AuditAction.MINUTES_CASE_VIEWED,
        object_type="case",
        object_id=item.case_id,
        case_ids=[item.case_id],
        detail=f"meeting={meeting.id} late entry",
    )
    return render_read(
        "minutes/late_entry.html",
        audit=read,
        status=400 if request.method == "POST" else 200,
        meeting=meeting,
        form=form,
        case=item.case,
        approval=services.approval_of(meeting),
    )


@signed_in
def amend_risk_summary(meeting_id: int, case_id: int) -> ResponseReturnValue:
    meeting, item = load_item(meeting_id, case_id)
    require_chair(meeting, "minutes_amend")
    if services.approval_of(meeting) is None:
        abort(404)
    form = AmendRiskForm()
    if request.method == "GET":
        drafts.restore(form, current_user, item, "risk-summary-amend")
    if request.method == "POST" and form.validate_on_submit():
        # A case approved without a risk summary gets one late, part by part.
        done = attempt(
            lambda: services.amend_case_risk_summary(
                item,
                field=form.field.data,
                reason=form.reason.data,
                text=form.text.data,
                actor=current_user,
            ),
            form,
        )
        if done.value is not None:
            return _amended(meeting, item.case_id, done.value, "#risk-summary")
    current = services.risk_summary_of(item)
    read = Read(
        AuditAction.RISK_SUMMARY_VIEWED,
        object_type="risk_summary" if current else "case",
        object_id=current.id if current else item.case_id,
        case_ids=[item.case_id],
        detail=f"meeting={meeting.id} amend{'' if current else ' late'}",
    )
    if current is None:  # not recorded before approval: every part reads "Not recorded"
        current = RiskSummary(harm_identified="", contributing_factors="", protective_factors="")
    return render_read(
        "minutes/amend.html",
        audit=read,
        status=400 if request.method == "POST" else 200,
        meeting=meeting,
        form=form,
        entry=None,
        summary=current,
        case=item.case,
        risk_fields=RISK_FIELDS,
        current_risk_text=services.current_risk_text,
        amendments=current.amendments,
        approval=services.approval_of(meeting),
    )


def register(bp: Blueprint) -> None:
    """Mount these pages on the minutes blueprint (endpoints ``minutes.<function>``)."""
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/entries/<int:entry_id>/edit",
        view_func=edit_entry,
        methods=["GET", "POST"],
    )
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/entries/<int:entry_id>/history", view_func=entry_history
    )
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/entries/<int:entry_id>/amend",
        view_func=amend_entry,
        methods=["GET", "POST"],
    )
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/cases/<int:case_id>/late-entry",
        view_func=late_entry,
        methods=["GET", "POST"],
    )
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/cases/<int:case_id>/risk-summary/amend",
        view_func=amend_risk_summary,
        methods=["GET", "POST"],
    )
