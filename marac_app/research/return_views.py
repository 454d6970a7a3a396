"""Return pages: an invited representative writes their agency's return for a case (409
with both versions on a stale save), anyone allowed reads one agency's return, the
coordinator reopens a late one, and the minute-taker makes a returned item a minute entry.

Mounted on the research blueprint by ``register(bp)`` (from research/views.py).
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.audit_actions import AuditAction
from marac_app.common.forms import ConfirmForm
from marac_app.common.sanitize import editable_text
from marac_app.common.transaction import Read, attempt, render_read
from marac_app.meetings.models import Meeting
from marac_app.permissions import deny, fetch_or_404, mark_authorised, signed_in
from marac_app.referrals.exports import format_dob
from marac_app.referrals.models import AgendaItem
from marac_app.referrals.services import ResearchRow, research_list
from marac_app.research import services
from marac_app.research.forms import BLANK_ROWS, MakeEntryForm, ReturnForm, return_form
from marac_app.research.models import ResearchReturn
from marac_app.research.permissions import (
    can_make_entry,
    can_manage_returns,
    can_see_withheld,
    can_write_return,
    get_agenda_item_or_404,
    get_managed_agency_or_404,
    get_managed_meeting_or_404,
    get_return_agency_or_404,
    get_returns_meeting_or_404,
)

ROW_RE = re.compile(r"^item_(\d{1,2})_(?:subject|kind|text)$")


def _research_row(meeting: Meeting, item: AgendaItem) -> ResearchRow | None:
    """The case's line of the research list (names, other names, dates of birth)."""
    return next((row for row in research_list(meeting) if row.case_id == item.case_id), None)


def _posted_rows() -> int:
    """How many rows the posted form had (so what was typed is shown again)."""
    numbers = [int(m.group(1)) for key in request.form if (m := ROW_RE.match(key))]
    return max(numbers, default=-1) + 1 or BLANK_ROWS


def _filled_form(found: ResearchReturn | None) -> ReturnForm:
    """The form as the agency's saved return left it, with blank rows to add more."""
    saved = list(found.items) if found is not None and found.is_submitted else []
    form = return_form(len(saved) + BLANK_ROWS)
    if found is not None:
        form.version.data = str(found.version)
        form.nothing_held.data = found.nothing_held
        form.withheld.data = found.withheld
    for (subject, kind, text), saved_item in zip(form.rows(), saved, strict=False):
        subject.data = saved_item.subject.value
        kind.data = saved_item.kind.value
        text.data = editable_text(saved_item.text_html)
    return form


@signed_in
def edit_return(meeting_id: int, case_id: int) -> ResponseReturnValue:
    """The representative's own agency's return for one case."""
    meeting = get_returns_meeting_or_404(meeting_id, current_user)
    item = get_agenda_item_or_404(meeting, case_id, current_user)
    if not can_write_return(current_user, item) or current_user.agency is None:
        deny(f"research_return_edit:{item.id}", object_type="case", object_id=item.case_id)
    agency = current_user.agency
    mark_authorised("agency", agency.id)
    found = services.return_for(item, agency.id)
    status, theirs, message = 200, None, None
    if request.method == "POST":
        posted = _posted_rows()
        form = return_form(posted, request.form)
        if posted > services.ITEMS_MAX:
            form.validate_on_submit()
            form.form_errors.append(services.TOO_MANY_ITEMS)
            status = 400
        elif form.validate_on_submit():
            saved = attempt(
                lambda: services.save_return(
                    item,
                    agency,
                    version=form.version_number(),
                    nothing_held=bool(form.nothing_held.data),
                    withheld=form.withheld.data,
                    items=form.items(),
                    actor=current_user,
                ),
                form,
            )
            if saved:
                flash("Your agency's research return for this case has been saved.")
                return redirect(url_for("research.meeting_returns", meeting_id=meeting.id))
            status = saved.status
            if saved.conflict:
                theirs = services.return_for(item, agency.id)
                message = services.RETURN_CONFLICT
                if theirs is not None:
                    form.version.data = str(theirs.version)
        else:
            status = 400
    else:
        form = _filled_form(found)
    return render_read(
        "research/edit_return.html",
        audit=Read(
            AuditAction.RESEARCH_RETURN_VIEWED,
            object_type="case",
            object_id=item.case_id,
            case_ids=[item.case_id],
            detail=f"meeting={meeting.id} agency={agency.id} form"
            f"{' refused' if status >= 400 else ''}",
        ),
        status=status,
        meeting=meeting,
        item=item,
        agency=agency,
        form=form,
        found=found,
        theirs=theirs,
        message=message,
        row=_research_row(meeting, item),
        format_dob=format_dob,
        may_change=services.may_change(meeting, found),
        deadline=services.deadline_text(meeting),
    )


@signed_in
def view_return(meeting_id: int, case_id: int, agency_id: int) -> ResponseReturnValue:
    """One agency's return for one case, as the viewer may see it."""
    meeting = get_returns_meeting_or_404(meeting_id, current_user)
    item = get_agenda_item_or_404(meeting, case_id, current_user)
    agency = get_return_agency_or_404(item, agency_id, current_user)
    found = services.return_for(item, agency.id)
    submitted = found is not None and found.is_submitted
    withheld_shown = submitted and can_see_withheld(current_user, item, agency.id)
    return render_read(
        "research/view_return.html",
        audit=Read(
            AuditAction.RESEARCH_RETURN_VIEWED,
            object_type="case",
            object_id=item.case_id,
            case_ids=[item.case_id],
            detail=f"meeting={meeting.id} agency={agency.id}"
            f"{' withheld' if withheld_shown else ''}",
        ),
        meeting=meeting,
        item=item,
        agency=agency,
        found=found,
        return_status=services.status_of(found),
        items=list(found.items) if submitted and found is not None else [],
        withheld=found.withheld if withheld_shown and found is not None else None,
        row=_research_row(meeting, item),
        format_dob=format_dob,
        confirm_form=ConfirmForm(),
        can_reopen=(
            services.deadline_passed(meeting)
            and not (found is not None and found.reopened_at is not None)
            and can_manage_returns(current_user, meeting)
        ),
    )


@signed_in
def reopen_return(meeting_id: int, case_id: int, agency_id: int) -> ResponseReturnValue:
    """The coordinator lets a late agency return (or change its return) for one case."""
    meeting = get_managed_meeting_or_404(meeting_id, current_user)
    item = get_agenda_item_or_404(meeting, case_id, current_user)
    agency = get_managed_agency_or_404(meeting, agency_id, current_user)
    if ConfirmForm().validate_on_submit():
        done = attempt(lambda: services.reopen(item, agency, actor=current_user))
        if done.error is not None:
            flash(done.error.message, "error")
        else:
            flash(f"{agency.name} can now make or change its return for {item.case.reference}.")
    return redirect(url_for("research.meeting_returns", meeting_id=meeting.id))


def _entry_meeting_or_404(meeting_id: int) -> Meeting:
    return fetch_or_404(
        Meeting,
        meeting_id,
        allowed=lambda m: can_make_entry(current_user, m),
        kind="meeting",
    )


@signed_in
def make_entry(meeting_id: int, case_id: int) -> ResponseReturnValue:
    """One returned item becomes a minute entry (kind, subject, source agency carried over);
    back to the live case page."""
    meeting = _entry_meeting_or_404(meeting_id)
    item = get_agenda_item_or_404(meeting, case_id, current_user)
    form = MakeEntryForm()
    if not form.validate_on_submit():
        abort(400)
    return_item = services.item_of_case(item, form.item_id())
    if return_item is None:
        deny(
            f"research_return_item:{form.item_id()}",
            object_type="case",
            object_id=item.case_id,
        )
    mark_authorised("research_return_item", return_item.id)
    made = attempt(lambda: services.make_entry(return_item, actor=current_user))
    if made.error is not None:
        flash(made.error.message, "error")
    else:
        flash(
            f"The information from {return_item.research_return.agency.name} is now a minute entry."
        )
    return redirect(
        url_for("minutes.case_minutes", meeting_id=meeting.id, case_id=item.case_id)
        + "#research-returns"
    )


def register(bp: Blueprint) -> None:
    """Mount these pages on the research blueprint (endpoints ``research.<function>``)."""
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/cases/<int:case_id>/return",
        view_func=edit_return,
        methods=["GET", "POST"],
    )
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/cases/<int:case_id>/agencies/<int:agency_id>",
        view_func=view_return,
    )
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/cases/<int:case_id>/agencies/<int:agency_id>/reopen",
        view_func=reopen_return,
        methods=["POST"],
    )
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/cases/<int:case_id>/make-entry",
        view_func=make_entry,
        methods=["POST"],
    )
