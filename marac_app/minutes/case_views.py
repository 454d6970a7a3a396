"""The live case page: entries added during the meeting, the risk summary, actions agreed,
and the background poll that shows the other person's entries (live.mjs). The page itself
is built in case_page.py.

Registered on the minutes blueprint by ``register(bp)`` (called from minutes/views.py).
Chairs and coordinators of the meeting's area only; everyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.agencies.models import Agency
from marac_app.attendance.services import gate_problems
from marac_app.auth.sessions import passive
from marac_app.common.transaction import attempt
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes import live, services
from marac_app.minutes.case_page import (
    action_form_for,
    entry_form_for,
    filter_variant,
    next_entry_form,
    render_case,
    risk_form_for,
)
from marac_app.minutes.forms import EntryForm
from marac_app.minutes.pages import load_item, require_chair, to_int, wants_fragment
from marac_app.minutes.permissions import can_write_entries, get_minutes_meeting_or_404
from marac_app.permissions import deny, signed_in
from marac_app.referrals.models import AgendaItem
from marac_app.referrals.permissions import get_case_or_404

# --- In-place saves and polling (live.mjs) ----------------------------------------------
# live.mjs sends ``X-Requested-With: fetch`` on its saves and polls; those get an HTML
# fragment of the page's live regions (templates/minutes/_live_fragment.html) instead of a
# redirect or a whole page. Without JavaScript the same routes answer as they always did.
ENTRY_REGIONS = ("entry_form", "entries")
POLL_REGIONS = ("entries", "risk", "actions")


# --- The live case page ----------------------------------------------------------------


def _saved(
    meeting: Meeting,
    item: AgendaItem,
    message: str,
    *,
    anchor: str,
    regions: tuple[str, ...],
    notice_region: str,
    announce: str,
    entry_form: EntryForm | None = None,
    **query: Any,
) -> ResponseReturnValue:
    """After a save on the live case page: the ``regions`` with ``message`` as a notice
    when saved in place, else ``message`` flashed and a redirect to the page at ``anchor``
    (with ``query`` in its URL)."""
    if wants_fragment():
        return render_case(
            meeting,
            item,
            entry_form=entry_form,
            regions=regions,
            notice=message,
            notice_region=notice_region,
            announce=announce,
        )
    flash(message)
    return redirect(
        url_for("minutes.case_minutes", meeting_id=meeting.id, case_id=item.case_id, **query)
        + anchor
    )


def _refused(
    meeting: Meeting,
    item: AgendaItem,
    region: str,
    *,
    detail: str,
    status: int = 400,
    **forms: Any,
) -> ResponseReturnValue:
    """The live case page again with the refused ``forms`` (only ``region`` when saved in
    place), audited as a read with ``detail``."""
    return render_case(
        meeting,
        item,
        **forms,
        status=status,
        detail=detail,
        regions=(region,) if wants_fragment() else None,
    )


@signed_in
def case_minutes(meeting_id: int, case_id: int) -> ResponseReturnValue:
    meeting, item = load_item(meeting_id, case_id)
    if request.method == "GET":
        return render_case(meeting, item)
    form = entry_form_for(meeting, request.form)
    if form.validate_on_submit():
        done = attempt(
            lambda: services.add_entry(
                item,
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
        entry = done.value
        if entry is None:
            return _refused(
                meeting,
                item,
                "entry_form",
                entry_form=form,
                status=done.status,
                detail="entry refused",
            )
        return _saved(
            meeting,
            item,
            f"{entry.kind.label} about the {entry.subject.label.lower()} added.",
            anchor="#add-entry",
            regions=ENTRY_REGIONS,
            notice_region="live-entry-form",
            announce="Entry added",
            entry_form=next_entry_form(meeting, entry),
            entry_subject=entry.subject.value,
            entry_kind=entry.kind.value,
            entry_agency=entry.source_agency_id,
        )
    return _refused(meeting, item, "entry_form", entry_form=form, detail="entry refused")


@signed_in
@passive
def live_state(meeting_id: int, case_id: int) -> ResponseReturnValue:
    """The background poll of the live case page (live.mjs, about once a second): 304 with
    no body and no audit event while nothing has changed (``If-None-Match``), else the
    entries, risk summary and actions as a fragment, audited as a read of the case.
    Passive: polling is not activity for the idle timeout. Same permissions as the page."""
    # As load_item, with the agenda item and the live state read in one statement that also
    # loads the meeting and the case for the checks (nothing is answered before they pass).
    state = live.state_of(meeting_id, case_id)
    get_minutes_meeting_or_404(meeting_id, current_user)
    get_case_or_404(case_id, current_user)
    if state is None:
        load_item(meeting_id, case_id)  # denies (audited 404), as for the page
        abort(404)
    etag = live.etag_for(current_user, state.item_id, state.version, filter_variant())
    if etag in request.if_none_match:
        response = make_response("", 304)
        response.set_etag(etag)
        return response
    meeting, item = load_item(meeting_id, case_id)
    if gate_problems(meeting) and services.approval_of(meeting) is None:
        return "", 204
    response = make_response(render_case(meeting, item, regions=POLL_REGIONS, detail="poll"))
    response.set_etag(etag)
    return response


@signed_in
def risk_summary(meeting_id: int, case_id: int) -> ResponseReturnValue:
    meeting, item = load_item(meeting_id, case_id)
    require_chair(meeting, "risk_summary")
    form = risk_form_for(None, request.form)
    if form.validate_on_submit():
        done = attempt(
            lambda: services.save_risk_summary(
                item,
                version=to_int(form.version.data) if form.version.data else None,
                harm_identified=form.harm_identified.data,
                contributing_factors=form.contributing_factors.data,
                protective_factors=form.protective_factors.data,
                actor=current_user,
            ),
            form,
        )
        if done.conflict:
            theirs = services.risk_summary_of(item)
            if theirs is not None and services.approval_of(meeting) is None:
                form.version.data = str(theirs.version)
            return _refused(
                meeting,
                item,
                "risk",
                risk_form=form,
                risk_theirs=theirs,
                status=409,
                detail="risk summary refused",
            )
        if not done:
            return _refused(meeting, item, "risk", risk_form=form, detail="risk summary refused")
        return _saved(
            meeting,
            item,
            "The risk summary has been saved.",
            anchor="#risk-summary",
            regions=("risk",),
            notice_region="live-risk",
            announce="Risk summary saved",
        )
    return _refused(meeting, item, "risk", risk_form=form, detail="risk summary refused")


@signed_in
def add_action(meeting_id: int, case_id: int) -> ResponseReturnValue:
    meeting, item = load_item(meeting_id, case_id)
    if not can_write_entries(current_user, meeting):
        deny(
            f"action:meeting={meeting.id}", status=403, object_type="meeting", object_id=meeting.id
        )
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
                needs_address=bool(form.needs_address.data),
            ),
            form,
        )
        if done and agency is not None:
            return _saved(
                meeting,
                item,
                f"Action added for {agency.name}.",
                anchor="#actions",
                regions=("actions", "action_form"),
                notice_region="live-action-form",
                announce="Action added",
            )
    return _refused(meeting, item, "action_form", action_form=form, detail="action refused")


def register(bp: Blueprint) -> None:
    """Mount these pages on the minutes blueprint (endpoints ``minutes.<function>``)."""
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/cases/<int:case_id>",
        view_func=case_minutes,
        methods=["GET", "POST"],
    )
    bp.add_url_rule("/meetings/<int:meeting_id>/cases/<int:case_id>/live", view_func=live_state)
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/cases/<int:case_id>/risk-summary",
        view_func=risk_summary,
        methods=["POST"],
    )
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/cases/<int:case_id>/actions",
        view_func=add_action,
        methods=["POST"],
    )
