"""The live case page as it is shown: its forms (the agency choices, the entry form keeping
the last subject, kind and agency), its filters, and ``render_case``, the audited read of
the page or of its live regions. Shared by case_views.py and entry_views.py.
"""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from marac_app.action_items import services as action_services
from marac_app.action_items.forms import ActionForm
from marac_app.attendance.services import gate_problems
from marac_app.audit_actions import AuditAction
from marac_app.common.sanitize import editable_text
from marac_app.common.transaction import Read, render_read
from marac_app.meetings.models import Meeting
from marac_app.minutes import drafts, live, services
from marac_app.minutes.forms import EntryForm, RiskSummaryForm
from marac_app.minutes.models import RISK_FIELDS, EntryKind, MinuteEntry, RiskSummary, Subject
from marac_app.minutes.pages import draft_url_for, to_int
from marac_app.minutes.permissions import can_chair_minutes, can_write_entries
from marac_app.protocol.services import signup_problem
from marac_app.referrals.models import AgendaItem


def agency_choices(meeting: Meeting) -> list[SelectChoice]:
    """The agencies an entry may come from at ``meeting``, after a blank first choice."""
    return [SelectChoice("", "Select an agency")] + [
        SelectChoice(a.id, a.name) for a in services.entry_agencies(meeting)
    ]


def entry_form_for(meeting: Meeting, formdata: Any = None, **data: Any) -> EntryForm:
    form = EntryForm(formdata=formdata, **data)
    form.source_agency.choices = agency_choices(meeting)
    return form


def action_form_for(meeting: Meeting, formdata: Any = None) -> ActionForm:
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


def risk_form_for(summary: RiskSummary | None, formdata: Any = None) -> RiskSummaryForm:
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


def filter_variant() -> str:
    """The page's kind/subject filters, as part of its live-state ETag."""
    kind, subject = _filters()
    return f"{kind or ''}/{subject or ''}"


def _sticky_entry_form(meeting: Meeting) -> EntryForm:
    """A fresh entry form with the last entry's subject, kind and agency still selected
    (passed back in the address after a save without JavaScript: choices, never text)."""
    subject = request.args.get("entry_subject", "")
    kind = request.args.get("entry_kind", "")
    agency = to_int(request.args.get("entry_agency"))
    form = entry_form_for(
        meeting,
        None,
        subject=subject if subject in {s.value for s in Subject} else None,
        kind=kind if kind in {k.value for k in EntryKind} else None,
        source_agency=agency,
    )
    if agency not in {choice.value for choice in form.source_agency.choices}:
        form.source_agency.data = None
    return form


def next_entry_form(meeting: Meeting, entry: MinuteEntry) -> EntryForm:
    """An empty entry form keeping ``entry``'s subject, kind and agency (after an in-place save)."""
    return entry_form_for(
        meeting,
        None,
        subject=entry.subject.value,
        kind=entry.kind.value,
        source_agency=entry.source_agency_id,
    )


def render_case(
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
            groups=services.grouped_entries(entries),
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
                _sticky_entry_form(meeting) if regions is None else entry_form_for(meeting)
            )
            context["action_form"] = action_form or action_form_for(meeting)
        if open_for_edits and context["can_chair"]:
            context["risk_form"] = risk_form or risk_form_for(summary)
        version = live.state_version(item)
        context.update(
            live_etag=live.etag_for(current_user, item.id, version, filter_variant()),
            live_poll_url=url_for(
                "minutes.live_state",
                meeting_id=meeting.id,
                case_id=item.case_id,
                kind=kind.value if kind else None,
                subject=subject.value if subject else None,
            ),
            draft_url=draft_url_for(meeting, item),
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
