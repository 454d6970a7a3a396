"""Writing the minutes: entries, revisions, the risk summary, approval and amendments.

Services flush, never commit, never read the request. Every rich-text value goes through
``sanitize_html`` here, on write. Entries and risk summaries can only be written while the
meeting's confidentiality gate is open (``require_gate_open``) and the minutes are not yet
approved; after approval a correction is a ``MinutesAmendment`` with a reason, kept alongside
the original, and each amendment bumps the minutes version.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from marac_app.action_items.models import ActionItem, ActionPriority
from marac_app.action_items.services import agencies_of_area, create_action
from marac_app.agencies.models import Agency
from marac_app.attendance.services import case_list, require_gate_open
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.errors import ConflictError, ServiceError
from marac_app.common.sanitize import is_blank, sanitize_html
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes import drafts
from marac_app.minutes.models import (
    RISK_FIELDS,
    TEXT_MAX,
    EntryKind,
    MinuteEntry,
    MinuteEntryRevision,
    MinutesAmendment,
    MinutesApproval,
    RiskSummary,
    Subject,
)
from marac_app.protocol.services import require_signed_up, signup_problem
from marac_app.referrals.models import AgendaItem

APPROVED_MESSAGE = (
    "The minutes of this meeting have been approved and can no longer be "
    "edited. To correct them, add an amendment with a reason"
)
ENTRY_CONFLICT = (
    "Someone else saved this entry while you were editing it. Their saved text "
    "is shown below with yours; check both, then save again"
)
RISK_CONFLICT = (
    "Someone else saved the risk summary while you were editing it. Their saved "
    "text is shown below with yours; check both, then save again"
)


class ApprovedError(ConflictError):
    """The minutes are approved: edits go through amendments only."""


# --- Reading ---------------------------------------------------------------------------


def approval_of(meeting: Meeting) -> MinutesApproval | None:
    return db.session.scalar(
        sa.select(MinutesApproval).where(MinutesApproval.meeting_id == meeting.id)
    )


def agenda_item_for(meeting: Meeting, case_id: int) -> AgendaItem | None:
    return db.session.scalar(
        sa.select(AgendaItem).where(
            AgendaItem.meeting_id == meeting.id, AgendaItem.case_id == case_id
        )
    )


def entries_of(
    item: AgendaItem, *, kind: EntryKind | None = None, subject: Subject | None = None
) -> list[MinuteEntry]:
    """The entries of one case at one meeting, oldest first, optionally filtered."""
    query = (
        sa.select(MinuteEntry)
        .where(MinuteEntry.agenda_item_id == item.id)
        .options(
            joinedload(MinuteEntry.source_agency),
            joinedload(MinuteEntry.author),
            joinedload(MinuteEntry.updated_by),
            selectinload(MinuteEntry.amendments),
            selectinload(MinuteEntry.revisions),
        )
        .order_by(MinuteEntry.created_at, MinuteEntry.id)
    )
    if kind is not None:
        query = query.where(MinuteEntry.kind == kind)
    if subject is not None:
        query = query.where(MinuteEntry.subject == subject)
    return list(db.session.scalars(query).unique())


def risk_summary_of(item: AgendaItem) -> RiskSummary | None:
    return db.session.scalar(sa.select(RiskSummary).where(RiskSummary.agenda_item_id == item.id))


def neighbours(meeting: Meeting, item: AgendaItem) -> tuple[AgendaItem | None, AgendaItem | None]:
    """The previous and next case along the meeting's case list (the cases heard at the
    meeting: co-ordinated ones are not part of the hearing)."""
    items = [i for i in case_list(meeting) if not i.is_coordinated or i.id == item.id]
    ids = [i.id for i in items]
    index = ids.index(item.id)
    previous = items[index - 1] if index > 0 else None
    following = items[index + 1] if index + 1 < len(items) else None
    return previous, following


def current_text(entry: MinuteEntry) -> str:
    """What the minutes say now: the latest amendment's text, else the entry's own."""
    return entry.amendments[-1].new_html if entry.amendments else entry.text_html


def current_risk_text(summary: RiskSummary, field: str) -> str:
    amended = [a for a in summary.amendments if a.field == field]
    return amended[-1].new_html if amended else getattr(summary, field)


# --- Checks ----------------------------------------------------------------------------


def require_not_approved(meeting: Meeting) -> None:
    if approval_of(meeting) is not None:
        raise ApprovedError(APPROVED_MESSAGE)


def _rich_text(value: str | None, *, field: str, empty: str | None) -> str:
    raw = (value or "").strip()
    if len(raw) > TEXT_MAX:
        raise ServiceError(f"The text must be {TEXT_MAX:,} characters or fewer", field=field)
    cleaned = sanitize_html(raw)
    if empty is not None and is_blank(cleaned):
        raise ServiceError(empty, field=field)
    return cleaned if not is_blank(cleaned) else ""


def _choice(enum_class: type, value: object, *, field: str, message: str):  # noqa: ANN202
    try:
        return enum_class(value)
    except ValueError:
        raise ServiceError(message, field=field) from None


def entry_agencies(meeting: Meeting) -> list[Agency]:
    """The agencies an entry of ``meeting`` may cite as its source: those of the meeting's
    area that are signed up to the information-sharing protocol today."""
    return [a for a in agencies_of_area(meeting.area_id) if signup_problem(a) is None]


def _agency_of_area(meeting: Meeting, agency: Agency | None) -> Agency:
    """``agency`` when an entry of ``meeting`` may cite it; else ServiceError on the field:
    not one of the area's agencies, or not signed up to the protocol (the reason named)."""
    if agency is None or agency.id not in {a.id for a in agencies_of_area(meeting.area_id)}:
        raise ServiceError("Select the agency that shared this information", field="source_agency")
    require_signed_up(agency, field="source_agency")
    return agency


# --- Entries ---------------------------------------------------------------------------


def agree_action(
    item: AgendaItem,
    *,
    owner_agency: Agency | None,
    description: str | None,
    due_date: date | None,
    priority: ActionPriority | str | None,
    actor: User,
    needs_address: bool = False,
) -> ActionItem:
    """Agree an action for the case of ``item`` from the live case page: refused while the
    gate is closed or once the minutes are approved, then as ``create_action`` (whose
    refusals name its fields: ``due_date``, ``owner_agency``, …)."""
    require_gate_open(item.meeting)
    require_not_approved(item.meeting)
    action = create_action(
        item.case,
        owner_agency=owner_agency,
        description=description,
        due_date=due_date,
        priority=priority,
        actor=actor,
        agenda_item=item,
        needs_address=needs_address,
    )
    drafts.discard(actor.id, item.id, "action-new")
    return action


def _new_entry(
    item: AgendaItem,
    subject: Subject | str | None,
    kind: EntryKind | str | None,
    source_agency: Agency | None,
    text: str | None,
    actor: User,
) -> MinuteEntry:
    """Check the subject, kind, source agency (of the area, signed up) and text, each on its
    field, then add the entry and flush it (the caller's refusal after this rolls it back)."""
    subject_value = _choice(
        Subject, subject, field="subject", message="Select who the information is about"
    )
    kind_value = _choice(
        EntryKind,
        kind,
        field="kind",
        message="Select whether this is a fact, a professional opinion or the victim's view",
    )
    agency = _agency_of_area(item.meeting, source_agency)
    html = _rich_text(text, field="text", empty="Enter what was shared")
    entry = MinuteEntry(
        agenda_item_id=item.id,
        subject=subject_value,
        kind=kind_value,
        source_agency_id=agency.id,
        text_html=html,
        author_id=actor.id,
        updated_by_id=actor.id,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def add_entry(
    item: AgendaItem,
    *,
    subject: Subject | str | None,
    kind: EntryKind | str | None,
    source_agency: Agency | None,
    text: str | None,
    actor: User,
) -> MinuteEntry:
    """Record one entry for the case of ``item`` (gate open, minutes not approved)."""
    meeting = item.meeting
    require_gate_open(meeting)
    require_not_approved(meeting)
    entry = _new_entry(item, subject, kind, source_agency, text, actor)
    record(
        AuditAction.MINUTE_ENTRY_CREATED,
        actor=actor,
        object_type="minute_entry",
        object_id=entry.id,
        detail=f"meeting={meeting.id} case={item.case_id} kind={entry.kind.value}",
    )
    drafts.discard(actor.id, item.id, "entry-new")
    return entry


def edit_entry(
    entry: MinuteEntry,
    *,
    version: int | None,
    subject: Subject | str | None,
    kind: EntryKind | str | None,
    source_agency: Agency | None,
    text: str | None,
    actor: User,
) -> MinuteEntry:
    """Change an entry, keeping what it said before as a revision.

    Raises ApprovedError after approval, ConflictError when ``version`` is stale.
    """
    meeting = entry.agenda_item.meeting
    require_not_approved(meeting)
    require_gate_open(meeting)
    if version is None or version != entry.version:
        raise ConflictError(ENTRY_CONFLICT)
    subject_value = _choice(
        Subject, subject, field="subject", message="Select who the information is about"
    )
    kind_value = _choice(
        EntryKind,
        kind,
        field="kind",
        message="Select whether this is a fact, a professional opinion or the victim's view",
    )
    agency = _agency_of_area(meeting, source_agency)
    html = _rich_text(text, field="text", empty="Enter what was shared")
    changed = [
        name
        for name, old, new in (
            ("subject", entry.subject, subject_value),
            ("kind", entry.kind, kind_value),
            ("source_agency", entry.source_agency_id, agency.id),
            ("text", entry.text_html, html),
        )
        if old != new
    ]
    if not changed:
        drafts.discard(actor.id, entry.agenda_item_id, drafts.entry_key(entry.id, "edit"))
        return entry
    entry.revisions.append(
        MinuteEntryRevision(
            previous_text_html=entry.text_html,
            previous_kind=entry.kind,
            previous_subject=entry.subject,
            previous_source_agency_id=entry.source_agency_id,
            previous_version=entry.version,
            revised_by_id=actor.id,
            revised_at=utcnow(),
        )
    )
    entry.subject = subject_value
    entry.kind = kind_value
    entry.source_agency_id = agency.id
    entry.text_html = html
    entry.updated_by_id = actor.id
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ConflictError(ENTRY_CONFLICT) from error
    record(
        AuditAction.MINUTE_ENTRY_UPDATED,
        actor=actor,
        object_type="minute_entry",
        object_id=entry.id,
        detail=f"changed: {', '.join(changed)}",
    )
    drafts.discard(actor.id, entry.agenda_item_id, drafts.entry_key(entry.id, "edit"))
    return entry


# --- Risk summary ----------------------------------------------------------------------


def save_risk_summary(
    item: AgendaItem,
    *,
    version: int | None,
    harm_identified: str | None,
    contributing_factors: str | None,
    protective_factors: str | None,
    actor: User,
) -> RiskSummary:
    """Create or update the chair's risk summary of ``item`` (three sanitised fields).

    ``version`` is None for a first save; a stale version raises ConflictError.
    """
    meeting = item.meeting
    require_not_approved(meeting)
    require_gate_open(meeting)
    values = {
        "harm_identified": _rich_text(harm_identified, field="harm_identified", empty=None),
        "contributing_factors": _rich_text(
            contributing_factors, field="contributing_factors", empty=None
        ),
        "protective_factors": _rich_text(
            protective_factors, field="protective_factors", empty=None
        ),
    }
    if not any(values.values()):
        raise ServiceError(
            "Enter the harm identified, or contributing or protective factors",
            field="harm_identified",
        )
    summary = risk_summary_of(item)
    if summary is None:
        if version is not None:
            raise ConflictError(RISK_CONFLICT)
        summary = RiskSummary(agenda_item_id=item.id, author_id=actor.id, **values)
        db.session.add(summary)
    else:
        if version is None or version != summary.version:
            raise ConflictError(RISK_CONFLICT)
        for name, value in values.items():
            setattr(summary, name, value)
        summary.author_id = actor.id
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ConflictError(RISK_CONFLICT) from error
    record(
        AuditAction.RISK_SUMMARY_SAVED,
        actor=actor,
        object_type="risk_summary",
        object_id=summary.id,
        detail=f"meeting={meeting.id} case={item.case_id}",
    )
    drafts.discard(actor.id, item.id, "risk-summary")
    return summary


# --- Approval and amendments -----------------------------------------------------------


def approve(meeting: Meeting, *, actor: User, incomplete: int = 0) -> MinutesApproval:
    """The chair approves the minutes: from now on they are read-only.

    The primitive: the approval check, the chair's confirmation and the reasons for
    incomplete cases (``incomplete`` of them) are ``approval.approve_checked``'s, which the
    approve page uses; fixtures and benchmarks call this directly."""
    require_not_approved(meeting)
    require_gate_open(meeting)
    approval = MinutesApproval(
        meeting_id=meeting.id, approved_by_id=actor.id, approved_at=utcnow(), minutes_version=1
    )
    db.session.add(approval)
    db.session.flush()
    record(
        AuditAction.MINUTES_APPROVED,
        actor=actor,
        object_type="meeting",
        object_id=meeting.id,
        detail=f"minutes_version=1 incomplete={incomplete}",
    )
    return approval


def _approved_or_error(meeting: Meeting) -> MinutesApproval:
    approval = approval_of(meeting)
    if approval is None:
        raise ServiceError("The minutes have not been approved yet: edit them directly")
    return approval


def _reason(reason: str | None) -> str:
    text = (reason or "").replace("\r\n", "\n").strip()
    if not text:
        raise ServiceError("Enter the reason for the amendment", field="reason")
    if len(text) > 2000:
        raise ServiceError("The reason must be 2,000 characters or fewer", field="reason")
    return text


def _bump(approval: MinutesApproval) -> int:
    approval.minutes_version += 1
    return approval.minutes_version


def _add_amendment(
    approval: MinutesApproval,
    *,
    actor: User,
    action: AuditAction,
    detail: str,
    **columns: Any,
) -> MinutesAmendment:
    """Add an amendment of ``approval``'s meeting (``columns`` say what it amends), making
    a new version of the minutes, and audit it as ``action``; ``detail`` is followed by the
    new version number."""
    amendment = MinutesAmendment(
        meeting_id=approval.meeting_id,
        **columns,
        minutes_version=_bump(approval),
        amended_by_id=actor.id,
        amended_at=utcnow(),
    )
    db.session.add(amendment)
    db.session.flush()
    record(
        action,
        actor=actor,
        object_type="minutes_amendment",
        object_id=amendment.id,
        detail=f"{detail} minutes_version={approval.minutes_version}",
    )
    return amendment


def amend_entry(
    entry: MinuteEntry, *, reason: str | None, text: str | None, actor: User
) -> MinutesAmendment:
    """Correct an entry of approved minutes; the original stays as it was."""
    meeting = entry.agenda_item.meeting
    approval = _approved_or_error(meeting)
    why = _reason(reason)
    html = _rich_text(text, field="text", empty="Enter the corrected text")
    old = current_text(entry)
    if html == old:
        raise ServiceError("The corrected text is the same as the minutes", field="text")
    amendment = _add_amendment(
        approval,
        actor=actor,
        action=AuditAction.MINUTES_AMENDED,
        detail=f"meeting={meeting.id} entry={entry.id}",
        entry_id=entry.id,
        reason=why,
        old_html=old,
        new_html=html,
    )
    drafts.discard(actor.id, entry.agenda_item_id, drafts.entry_key(entry.id, "amend"))
    return amendment


def amend_risk_summary(
    summary: RiskSummary, *, field: str | None, reason: str | None, text: str | None, actor: User
) -> MinutesAmendment:
    """Correct one part of an approved risk summary; the original stays as it was."""
    meeting = summary.agenda_item.meeting
    approval = _approved_or_error(meeting)
    if field not in RISK_FIELDS:
        raise ServiceError("Select which part of the risk summary to correct", field="field")
    why = _reason(reason)
    html = _rich_text(text, field="text", empty="Enter the corrected text")
    old = current_risk_text(summary, field)
    if html == old:
        raise ServiceError("The corrected text is the same as the minutes", field="text")
    amendment = _add_amendment(
        approval,
        actor=actor,
        action=AuditAction.MINUTES_AMENDED,
        detail=f"meeting={meeting.id} risk_summary={summary.id} field={field}",
        risk_summary_id=summary.id,
        field=field,
        reason=why,
        old_html=old,
        new_html=html,
    )
    drafts.discard(actor.id, summary.agenda_item_id, "risk-summary-amend")
    return amendment


def add_late_entry(
    item: AgendaItem,
    *,
    subject: Subject | str | None,
    kind: EntryKind | str | None,
    source_agency: Agency | None,
    text: str | None,
    reason: str | None,
    actor: User,
) -> MinutesAmendment:
    """Add an entry to a case of approved minutes, through the amendment path: the entry,
    and a ``late_entry`` amendment holding its text and the reason, which makes a new
    version of the minutes. So a case approved with nothing recorded can still be completed.

    Refused before approval (entries are then added directly), and as ``add_entry`` for
    the subject, kind, source agency (signed up) and text, each on its field."""
    meeting = item.meeting
    approval = _approved_or_error(meeting)
    entry = _new_entry(item, subject, kind, source_agency, text, actor)
    why = _reason(reason)
    return _add_amendment(
        approval,
        actor=actor,
        action=AuditAction.MINUTES_LATE_ENTRY_ADDED,
        detail=f"meeting={meeting.id} case={item.case_id} entry={entry.id} kind={entry.kind.value}",
        entry_id=entry.id,
        reason=why,
        old_html="",
        new_html=entry.text_html,
        late_entry=True,
    )


def amend_case_risk_summary(
    item: AgendaItem, *, field: str | None, reason: str | None, text: str | None, actor: User
) -> MinutesAmendment:
    """``amend_risk_summary`` for the case of ``item``; a case approved without a risk
    summary first gets an empty one (each part "Not recorded"), so the chair can record it
    late, part by part, as amendments with a reason."""
    summary = risk_summary_of(item)
    if summary is None:
        _approved_or_error(item.meeting)
        summary = RiskSummary(agenda_item_id=item.id, author_id=actor.id)
        for name in RISK_FIELDS:
            setattr(summary, name, "")
        db.session.add(summary)
        db.session.flush()
    return amend_risk_summary(summary, field=field, reason=reason, text=text, actor=actor)


def grouped_entries(entries: list[MinuteEntry]) -> list[dict[str, Any]]:
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
