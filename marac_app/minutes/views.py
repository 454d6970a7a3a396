"""Pages for the live minutes: the meeting's start page (outstanding actions first, then the
case list and approval), the live case page, entry edits (409 on a stale save, both texts
shown), revision history, the risk summary, amendments and the read-only minutes.

Chairs and coordinators of the meeting's area only; everyone else gets 404 on every URL.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from marac_app.action_items import services as action_services
from marac_app.action_items.forms import ActionForm
from marac_app.agencies.models import Agency
from marac_app.attendance.services import case_list, gate_problems
from marac_app.audit_actions import AuditAction
from marac_app.auth.sessions import passive
from marac_app.common.sanitize import editable_text
from marac_app.common.transaction import Read, attempt, render_read
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes import (
    approval,
    circulation,
    circulation_views,
    deferral_hooks,
    draft_views,
    drafts,
    live,
    services,
)
from marac_app.minutes.builder import deferrals_of
from marac_app.minutes.forms import (
    AmendEntryForm,
    AmendRiskForm,
    ApproveForm,
    EntryForm,
    LateEntryForm,
    RiskSummaryForm,
    approve_form,
)
from marac_app.minutes.models import (
    RISK_FIELDS,
    EntryKind,
    MinuteEntry,
    RiskSummary,
    Subject,
)
from marac_app.minutes.permissions import (
    can_chair_minutes,
    can_write_entries,
    get_entry_or_404,
    get_minutes_meeting_or_404,
)
from marac_app.permissions import deny, signed_in
from marac_app.protocol.services import signup_problem
from marac_app.referrals.models import AgendaItem
from marac_app.referrals.permissions import get_case_or_404

bp = Blueprint("minutes", __name__)
# Drafts of the live forms, and keeping text past a timeout (minutes/draft_views.py).
draft_views.register(bp)
# The draft circulated for accuracy comments (minutes/circulation_views.py).
circulation_views.register(bp)
# Deferring a case on the run page: refused once approved; drafts follow the case.
deferral_hooks.install()


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _load_item(meeting_id: int, case_id: int) -> tuple[Meeting, AgendaItem]:
    meeting = get_minutes_meeting_or_404(meeting_id, current_user)
    case = get_case_or_404(case_id, current_user)
    item = services.agenda_item_for(meeting, case.id)
    if item is None:
        deny(
            f"agenda_item:meeting={meeting.id},case={case.id}",
            object_type="case",
            object_id=case.id,
        )
    return meeting, item


def _require_chair(meeting: Meeting, what: str) -> None:
    if not can_chair_minutes(current_user, meeting):
        deny(
            f"{what}:meeting={meeting.id}", status=403, object_type="meeting", object_id=meeting.id
        )


def _agency_choices(meeting: Meeting) -> list[SelectChoice]:
    return [SelectChoice("", "Select an agency")] + [
        SelectChoice(a.id, a.name) for a in services.entry_agencies(meeting)
    ]


def _entry_form(meeting: Meeting, formdata: Any = None, **data: Any) -> EntryForm:
    form = EntryForm(formdata=formdata, **data)
    form.source_agency.choices = _agency_choices(meeting)
    return form


def _action_form(meeting: Meeting, formdata: Any = None) -> ActionForm:
    form = ActionForm(formdata=formdata)
    choices = [SelectChoice("", "Select an agency")]
    for agency in action_services.agencies_of_area(meeting.area_id):
        problem = signup_problem(agency)
        label = agency.name if problem is None else f"{agency.name} (not signed up to the ISP)"
        choices.append(SelectChoice(agency.id, label))
    form.owner_agency.choices = choices
    form.owner_user.choices = []
    if formdata is None:
        form.priority.data = "medium"
    return form


def _risk_form(summary: RiskSummary | None, formdata: Any = None) -> RiskSummaryForm:
    if formdata is not None:
        return RiskSummaryForm(formdata=formdata)
    form = RiskSummaryForm(formdata=None)
    if summary is not None:
        form.version.data = str(summary.version)
        for name in RISK_FIELDS:
            getattr(form, name).data = editable_text(getattr(summary, name))
    return form


def _filters() -> tuple[EntryKind | None, Subject | None]:
    kind = request.args.get("kind", "")
    subject = request.args.get("subject", "")
    return (
        EntryKind(kind) if kind in {k.value for k in EntryKind} else None,
        Subject(subject) if subject in {s.value for s in Subject} else None,
    )


def _grouped(entries: list[MinuteEntry]) -> list[dict[str, Any]]:
    """Entries by subject, then by kind (only the groups that have entries)."""
    groups = []
    for subject in Subject:
        kinds = []
        for kind in EntryKind:
            rows = [e for e in entries if e.subject == subject and e.kind == kind]
            if rows:
                kinds.append({"kind": kind, "entries": rows})
        if kinds:
            groups.append({"subject": subject, "kinds": kinds})
    return groups


# --- In-place saves and polling (live.mjs) ----------------------------------------------
# live.mjs sends ``X-Requested-With: fetch`` on its saves and polls; those get an HTML
# fragment of the page's live regions (templates/minutes/_live_fragment.html) instead of a
# redirect or a whole page. Without JavaScript the same routes answer as they always did.
ENTRY_REGIONS = ("entry_form", "entries")
POLL_REGIONS = ("entries", "risk", "actions")


def _wants_fragment() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _filter_variant() -> str:
    kind, subject = _filters()
    return f"{kind or ''}/{subject or ''}"


def _draft_url(meeting: Meeting, item: AgendaItem) -> str | None:
    """Where drafts.mjs saves this case's drafts (minutes/draft_views.py), when installed."""
    if "minutes.save_draft" not in current_app.view_functions:
        return None
    return url_for("minutes.save_draft", meeting_id=meeting.id, case_id=item.case_id)


def _sticky_entry_form(meeting: Meeting) -> EntryForm:
    """A fresh entry form with the last entry's subject, kind and agency still selected
    (passed back in the address after a save without JavaScript: choices, never text)."""
    subject = request.args.get("entry_subject", "")
    kind = request.args.get("entry_kind", "")
    agency = _int(request.args.get("entry_agency"))
    form = _entry_form(
        meeting,
        None,
        subject=subject if subject in {s.value for s in Subject} else None,
        kind=kind if kind in {k.value for k in EntryKind} else None,
        source_agency=agency,
    )
    if agency not in {choice.value for choice in form.source_agency.choices}:
        form.source_agency.data = None
    return form


def _next_entry_form(meeting: Meeting, entry: MinuteEntry) -> EntryForm:
    return _entry_form(
        meeting,
        None,
        subject=entry.subject.value,
        kind=entry.kind.value,
        source_agency=entry.source_agency_id,
    )


def _render_case(
    meeting: Meeting,
    item: AgendaItem,
    *,
    status: int = 200,
    entry_form: EntryForm | None = None,
    risk_form: RiskSummaryForm | None = None,
    action_form: ActionForm | None = None,
    risk_theirs: RiskSummary | None = None,
    detail: str = "",
    regions: tuple[str, ...] | None = None,
    notice: str | None = None,
    notice_region: str | None = None,
    announce: str = "",
) -> ResponseReturnValue:
    """The live case page; audited as a read of the case's minutes (ids only).

    With ``regions`` (an in-place save or a poll): only those live regions, as a fragment
    carrying the new live-state ETag and what the aria-live region should ``announce``;
    ``notice`` is shown as a success banner in ``notice_region``."""
    problems = gate_problems(meeting)
    approval = services.approval_of(meeting)
    context: dict[str, Any] = {
        "meeting": meeting,
        "item": item,
        "case": item.case,
        "problems": problems,
        "approval": approval,
        "kinds": list(EntryKind),
        "subjects": list(Subject),
        "can_write": can_write_entries(current_user, meeting),
        "can_chair": can_chair_minutes(current_user, meeting),
        "risk_fields": RISK_FIELDS,
        "risk_theirs": risk_theirs,
        # A refused form whose page section is closed still shows why it was refused.
        "refused_form": entry_form or risk_form or action_form,
    }
    if not problems or approval is not None:
        kind, subject = _filters()
        entries = services.entries_of(item, kind=kind, subject=subject)
        previous, following = services.neighbours(meeting, item)
        summary = services.risk_summary_of(item)
        referral = item.referral or item.case.last_referral
        open_for_edits = not problems and approval is None
        context.update(
            referral=referral,
            groups=_grouped(entries),
            entry_count=len(entries),
            kind=kind,
            subject=subject,
            previous=previous,
            following=following,
            summary=summary,
            actions=action_services.actions_of_case(item.case_id),
            open_for_edits=open_for_edits,
            current_text=services.current_text,
            current_risk_text=services.current_risk_text,
        )
        if open_for_edits and context["can_write"]:
            context["entry_form"] = entry_form or (
                _sticky_entry_form(meeting) if regions is None else _entry_form(meeting)
            )
            context["action_form"] = action_form or _action_form(meeting)
        if open_for_edits and context["can_chair"]:
            context["risk_form"] = risk_form or _risk_form(summary)
        version = live.state_version(item)
        context.update(
            live_etag=live.etag_for(current_user, item.id, version, _filter_variant()),
            live_poll_url=url_for(
                "minutes.live_state",
                meeting_id=meeting.id,
                case_id=item.case_id,
                kind=kind.value if kind else None,
                subject=subject.value if subject else None,
            ),
            draft_url=_draft_url(meeting, item),
        )
        if regions is None:
            # The repeat-case panel: part of this audited read (the same case).
            repeat = live.repeat_panel(item, current_user)
            context["repeat"] = repeat
            if repeat.previous is not None:
                detail = f"{detail} previous_item={repeat.previous.item.id}".strip()
    drafts.restore_case_forms(context, current_user, item)
    read = Read(
        AuditAction.MINUTES_CASE_VIEWED,
        object_type="case",
        object_id=item.case_id,
        case_ids=[item.case_id],
        detail=f"meeting={meeting.id} gate={'closed' if problems else 'open'}"
        f"{' fragment=' + '+'.join(regions) if regions else ''}"
        f"{' ' + detail if detail else ''}",
    )
    if regions is not None:
        context.update(
            regions=regions,
            in_fragment=True,
            notice=notice,
            notice_region=notice_region,
            announce=announce,
            live_status="ok" if status < 400 else "refused",
        )
        return render_read("minutes/_live_fragment.html", audit=read, status=status, **context)
    return render_read("minutes/case.html", audit=read, status=status, **context)


# --- The live case page ----------------------------------------------------------------


@bp.route("/meetings/<int:meeting_id>/cases/<int:case_id>", methods=["GET", "POST"])
@signed_in
def case_minutes(meeting_id: int, case_id: int) -> ResponseReturnValue:
    meeting, item = _load_item(meeting_id, case_id)
    if request.method == "GET":
        return _render_case(meeting, item)
    form = _entry_form(meeting, request.form)
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
            return _render_case(
                meeting,
                item,
                entry_form=form,
                status=done.status,
                detail="entry refused",
                regions=("entry_form",) if _wants_fragment() else None,
            )
        message = f"{entry.kind.label} about the {entry.subject.label.lower()} added."
        if _wants_fragment():
            return _render_case(
                meeting,
                item,
                entry_form=_next_entry_form(meeting, entry),
                regions=ENTRY_REGIONS,
                notice=message,
                notice_region="live-entry-form",
                announce="Entry added",
            )
        flash(message)
        return redirect(
            url_for(
                "minutes.case_minutes",
                meeting_id=meeting.id,
                case_id=item.case_id,
                entry_subject=entry.subject.value,
                entry_kind=entry.kind.value,
                entry_agency=entry.source_agency_id,
            )
            + "#add-entry"
        )
    return _render_case(
        meeting,
        item,
        entry_form=form,
        status=400,
        detail="entry refused",
        regions=("entry_form",) if _wants_fragment() else None,
    )


@bp.route("/meetings/<int:meeting_id>/cases/<int:case_id>/live")
@signed_in
@passive
def live_state(meeting_id: int, case_id: int) -> ResponseReturnValue:
    """The background poll of the live case page (live.mjs, about once a second): 304 with
    no body and no audit event while nothing has changed (``If-None-Match``), else the
    entries, risk summary and actions as a fragment, audited as a read of the case.
    Passive: polling is not activity for the idle timeout. Same permissions as the page."""
    # As _load_item, with the agenda item and the live state read in one statement that also
    # loads the meeting and the case for the checks (nothing is answered before they pass).
    state = live.state_of(meeting_id, case_id)
    get_minutes_meeting_or_404(meeting_id, current_user)
    get_case_or_404(case_id, current_user)
    if state is None:
        _load_item(meeting_id, case_id)  # denies (audited 404), as for the page
        abort(404)
    etag = live.etag_for(current_user, state.item_id, state.version, _filter_variant())
    if etag in request.if_none_match:
        response = make_response("", 304)
        response.set_etag(etag)
        return response
    meeting, item = _load_item(meeting_id, case_id)
    if gate_problems(meeting) and services.approval_of(meeting) is None:
        return "", 204
    response = make_response(_render_case(meeting, item, regions=POLL_REGIONS, detail="poll"))
    response.set_etag(etag)
    return response


@bp.route("/meetings/<int:meeting_id>/cases/<int:case_id>/risk-summary", methods=["POST"])
@signed_in
def risk_summary(meeting_id: int, case_id: int) -> ResponseReturnValue:
    meeting, item = _load_item(meeting_id, case_id)
    _require_chair(meeting, "risk_summary")
    form = _risk_form(None, request.form)
    if form.validate_on_submit():
        done = attempt(
            lambda: services.save_risk_summary(
                item,
                version=_int(form.version.data) if form.version.data else None,
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
            return _render_case(
                meeting,
                item,
                risk_form=form,
                risk_theirs=theirs,
                status=409,
                detail="risk summary refused",
                regions=("risk",) if _wants_fragment() else None,
            )
        if not done:
            return _render_case(
                meeting,
                item,
                risk_form=form,
                status=400,
                detail="risk summary refused",
                regions=("risk",) if _wants_fragment() else None,
            )
        if _wants_fragment():
            return _render_case(
                meeting,
                item,
                regions=("risk",),
                notice="The risk summary has been saved.",
                notice_region="live-risk",
                announce="Risk summary saved",
            )
        flash("The risk summary has been saved.")
        return redirect(
            url_for("minutes.case_minutes", meeting_id=meeting.id, case_id=item.case_id)
            + "#risk-summary"
        )
    return _render_case(
        meeting,
        item,
        risk_form=form,
        status=400,
        detail="risk summary refused",
        regions=("risk",) if _wants_fragment() else None,
    )


@bp.route("/meetings/<int:meeting_id>/cases/<int:case_id>/actions", methods=["POST"])
@signed_in
def add_action(meeting_id: int, case_id: int) -> ResponseReturnValue:
    meeting, item = _load_item(meeting_id, case_id)
    if not can_write_entries(current_user, meeting):
        deny(
            f"action:meeting={meeting.id}", status=403, object_type="meeting", object_id=meeting.id
        )
    form = _action_form(meeting, request.form)
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
        if done and agency is not None and _wants_fragment():
            return _render_case(
                meeting,
                item,
                regions=("actions", "action_form"),
                notice=f"Action added for {agency.name}.",
                notice_region="live-action-form",
                announce="Action added",
            )
        if done and agency is not None:
            flash(f"Action added for {agency.name}.")
            return redirect(
                url_for("minutes.case_minutes", meeting_id=meeting.id, case_id=item.case_id)
                + "#actions"
            )
    return _render_case(
        meeting,
        item,
        action_form=form,
        status=400,
        detail="action refused",
        regions=("action_form",) if _wants_fragment() else None,
    )


# --- Editing an entry ------------------------------------------------------------------


def _render_edit(
    meeting: Meeting,
    entry: MinuteEntry,
    form: EntryForm | None,
    *,
    status: int = 200,
    theirs: MinuteEntry | None = None,
    message: str | None = None,
) -> ResponseReturnValue:
    read = Read(
        AuditAction.MINUTE_ENTRY_VIEWED,
        object_type="minute_entry",
        object_id=entry.id,
        case_ids=[entry.agenda_item.case_id],
        detail=f"meeting={meeting.id}{' refused' if status >= 400 else ''}"
        f"{' fragment' if _wants_fragment() else ''}",
    )
    # In place (live.mjs): the edit form is shown above the (hidden) "Add an entry" form, so
    # its fields take ids of their own (the names posted stay the same).
    fragment = _wants_fragment()
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
        draft_url=_draft_url(meeting, entry.agenda_item),
        meeting=meeting,
        entry=entry,
        form=form,
        theirs=theirs,
        message=message,
        case=entry.agenda_item.case,
        their_source=editable_text(theirs.text_html) if theirs else "",
    )


@bp.route("/meetings/<int:meeting_id>/entries/<int:entry_id>/edit", methods=["GET", "POST"])
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
        form = _entry_form(
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
    form = _entry_form(meeting, request.form)
    if form.validate_on_submit():
        done = attempt(
            lambda: services.edit_entry(
                entry,
                version=_int(form.version.data),
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
        if _wants_fragment():
            return _render_case(
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


@bp.route("/meetings/<int:meeting_id>/entries/<int:entry_id>/history")
@signed_in
def entry_history(meeting_id: int, entry_id: int) -> ResponseReturnValue:
    meeting = get_minutes_meeting_or_404(meeting_id, current_user)
    entry = get_entry_or_404(meeting, entry_id, current_user)
    read = Read(
        AuditAction.MINUTE_ENTRY_HISTORY_VIEWED,
        object_type="minute_entry",
        object_id=entry.id,
        case_ids=[entry.agenda_item.case_id],
        detail=f"meeting={meeting.id} revisions={len(entry.revisions)}",
    )
    return render_read(
        "minutes/history.html",
        audit=read,
        meeting=meeting,
        entry=entry,
        case=entry.agenda_item.case,
    )


# --- Amendments after approval ---------------------------------------------------------


@bp.route("/meetings/<int:meeting_id>/entries/<int:entry_id>/amend", methods=["GET", "POST"])
@signed_in
def amend_entry(meeting_id: int, entry_id: int) -> ResponseReturnValue:
    meeting = get_minutes_meeting_or_404(meeting_id, current_user)
    entry = get_entry_or_404(meeting, entry_id, current_user)
    _require_chair(meeting, "minutes_amend")
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
        amendment = done.value
        if amendment is not None:
            flash(
                f"The amendment has been recorded. The minutes are now version "
                f"{amendment.minutes_version}."
            )
            return redirect(
                url_for(
                    "minutes.case_minutes", meeting_id=meeting.id, case_id=entry.agenda_item.case_id
                )
                + f"#entry-{entry.id}"
            )
    entry = get_entry_or_404(meeting, entry_id, current_user)
    read = Read(
        AuditAction.MINUTE_ENTRY_VIEWED,
        object_type="minute_entry",
        object_id=entry.id,
        case_ids=[entry.agenda_item.case_id],
        detail=f"meeting={meeting.id} amend",
    )
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


@bp.route("/meetings/<int:meeting_id>/cases/<int:case_id>/late-entry", methods=["GET", "POST"])
@signed_in
def late_entry(meeting_id: int, case_id: int) -> ResponseReturnValue:
    """After approval, the chair adds an entry to a case through the amendment path, with a
    reason (a case approved with nothing recorded can still be completed)."""
    meeting, item = _load_item(meeting_id, case_id)
    _require_chair(meeting, "minutes_amend")
    if services.approval_of(meeting) is None:
        return redirect(
            url_for("minutes.case_minutes", meeting_id=meeting.id, case_id=item.case_id)
        )
    form = LateEntryForm(formdata=request.form if request.method == "POST" else None)
    form.source_agency.choices = _agency_choices(meeting)
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
            flash(
                f"The late entry has been recorded as an amendment. The minutes are now "
                f"version {amendment.minutes_version}."
            )
            return redirect(
                url_for("minutes.case_minutes", meeting_id=meeting.id, case_id=item.case_id)
                + f"#entry-{amendment.entry_id}"
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


@bp.route(
    "/meetings/<int:meeting_id>/cases/<int:case_id>/risk-summary/amend", methods=["GET", "POST"]
)
@signed_in
def amend_risk_summary(meeting_id: int, case_id: int) -> ResponseReturnValue:
    meeting, item = _load_item(meeting_id, case_id)
    _require_chair(meeting, "minutes_amend")
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
        amendment = done.value
        if amendment is not None:
            flash(
                f"The amendment has been recorded. The minutes are now version "
                f"{amendment.minutes_version}."
            )
            return redirect(
                url_for("minutes.case_minutes", meeting_id=meeting.id, case_id=item.case_id)
                + "#risk-summary"
            )
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
    )


@bp.route("/meetings/<int:meeting_id>")
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
    )


@bp.route("/meetings/<int:meeting_id>/approve", methods=["GET", "POST"])
@signed_in
def approve(meeting_id: int) -> ResponseReturnValue:
    """The approval check page (GET) and the approval itself (POST): the chair confirms,
    with a reason for every incomplete case (marac_app/minutes/approval.py)."""
    meeting = get_minutes_meeting_or_404(meeting_id, current_user)
    _require_chair(meeting, "minutes_approve")
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


@bp.route("/meetings/<int:meeting_id>/view")
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
