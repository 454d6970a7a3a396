"""Build the ``MinutesDocument`` the PDF feature renders, from the minutes, attendance and
actions of one meeting. Entries' ``text_html`` is the stored sanitised HTML (with any
amendments appended, each with its escaped reason); every other field is plain text."""

from __future__ import annotations

from markupsafe import escape

from marac_app.action_items.models import ActionItem
from marac_app.action_items.services import actions_agreed_at_by_case, outstanding_actions
from marac_app.attendance import services as attendance
from marac_app.attendance.models import AttendanceStatus
from marac_app.attendance.timing import deferrals_from
from marac_app.common.sanitize import html_to_text
from marac_app.common.time import LONDON
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes import services
from marac_app.minutes.approval import reasons_of as approval_reasons_of
from marac_app.minutes.document import (
    Acknowledgement,
    ActionLine,
    Apology,
    CaseSection,
    Deferral,
    Entry,
    MinutesDocument,
    Observer,
    Present,
    RiskSummary,
    SubjectSection,
    coordinated_note,
    subject_of,
)
from marac_app.minutes.models import RISK_FIELDS, EntryKind, MinuteEntry, Subject
from marac_app.protocol.models import ConfidentialityStatement
from marac_app.referrals.address_alerts import has_address_alert
from marac_app.referrals.models import AgendaItem, Case


def _entry(entry: MinuteEntry) -> Entry:
    html = entry.text_html
    for amendment in entry.amendments:
        if amendment.late_entry:  # the entry's own text is what it added
            html = (
                f"<p><strong>Late entry, added after approval (minutes version "
                f"{amendment.minutes_version}):</strong> {escape(amendment.reason)}</p>{html}"
            )
            continue
        html += (
            f"<p><strong>Amendment (minutes version {amendment.minutes_version}):"
            f"</strong> {escape(amendment.reason)}</p>{amendment.new_html}"
        )
    return Entry(
        agency=entry.source_agency.name,
        text_html=html,
        author=entry.author.name if entry.author else "",
        time=entry.created_at,
    )


def case_subject(case: Case) -> str:
    """The victim's name and date of birth for ``case`` ("" when none is recorded)."""
    victim = case.victim
    return subject_of(victim.full_name, victim.date_of_birth) if victim is not None else ""


def _action_line(action: ActionItem) -> ActionLine:
    return ActionLine(
        case_reference=action.case.reference,
        agency=action.owner_agency.name,
        description=action.description,
        due_date=action.due_date,
        status=action.status.label,
        coordinated=action.agenda_item is not None and action.agenda_item.is_coordinated,
        case_subject=case_subject(action.case),
        address_alert=has_address_alert(action.case_id),
    )


def coordination_note(item: AgendaItem) -> str:
    """The marking of a co-ordinated case in its minutes, with the sign-off ("" if heard)."""
    if not item.is_coordinated:
        return ""
    signed = item.signed_off_at.astimezone(LONDON).date() if item.signed_off_at else None
    return coordinated_note(item.signed_off_by.name if item.signed_off_by else "", signed)


def deferrals_of(meeting: Meeting, items: list[AgendaItem] | None = None) -> list[Deferral]:
    """The cases deferred from ``meeting`` to a later meeting, oldest first, for its minutes:
    without cases under restriction of processing, nor a case put back on ``items`` (the
    meeting's case list) since. ``case_id`` is for the caller's audit of the read."""
    listed = {item.case_id for item in (attendance.case_list(meeting) if items is None else items)}
    return [
        Deferral(
            reference=deferral.case.reference,
            to_date=deferral.to_meeting.starts_at.astimezone(LONDON).date(),
            reason=deferral.reason,
            case_id=deferral.case_id,
        )
        for deferral in deferrals_from(meeting)
        if deferral.case_id not in listed
    ]


def build_minutes_document(meeting: Meeting) -> MinutesDocument:
    """Everything printed in the restricted minutes of ``meeting`` (no audit: callers audit)."""
    approval = services.approval_of(meeting)
    opening = attendance.opening_of(meeting)
    statement = (
        db.session.get(ConfidentialityStatement, opening.statement_id)
        if opening is not None
        else None
    )
    people = attendance.attendance_of(meeting)
    observers = attendance.observers_of(meeting)
    names_by_attendance = {a.id: (a.name, a.agency.name) for a in people}
    names_by_observer = {o.id: (o.name, o.organisation) for o in observers}
    acknowledgements = []
    for ack in attendance.acknowledgements_of(meeting):
        name, agency = "", ""
        if ack.attendance_id is not None:
            name, agency = names_by_attendance.get(ack.attendance_id, ("", ""))
        elif ack.observer_id is not None:
            name, agency = names_by_observer.get(ack.observer_id, ("", ""))
        acknowledgements.append(
            Acknowledgement(
                name=name, agency=agency, when=ack.acknowledged_at, how=ack.method.label
            )
        )
    cases = []
    agreed = actions_agreed_at_by_case(meeting)
    reasons = approval_reasons_of(meeting)
    items = attendance.case_list(meeting)
    for item in items:
        entries = services.entries_of(item)
        subjects = []
        for subject in Subject:
            facts = tuple(
                _entry(e) for e in entries if e.subject == subject and e.kind == EntryKind.FACT
            )
            opinions = tuple(
                _entry(e)
                for e in entries
                if e.subject == subject and e.kind == EntryKind.PROFESSIONAL_OPINION
            )
            if facts or opinions:
                subjects.append(
                    SubjectSection(subject=subject.label, facts=facts, opinions=opinions)
                )
        views = tuple(_entry(e) for e in entries if e.kind == EntryKind.VICTIMS_VIEW)
        summary = services.risk_summary_of(item)
        risk = RiskSummary()
        if summary is not None:
            texts = {
                key: html_to_text(services.current_risk_text(summary, key)) for key in RISK_FIELDS
            }
            risk = RiskSummary(
                harm=texts["harm_identified"],
                contributing=texts["contributing_factors"],
                protective=texts["protective_factors"],
            )
        actions = agreed.get(item.case_id, [])
        referral = item.referral or item.case.last_referral
        cases.append(
            CaseSection(
                reference=item.case.reference,
                criterion=referral.criterion.label if referral is not None else "",
                subjects=tuple(subjects),
                victim_view=views,
                risk_summary=risk,
                actions=tuple(_action_line(a) for a in actions),
                approval_note=(
                    f"Approved without {reasons[item.id].missing_text}. "
                    f"Reason: {reasons[item.id].reason}"
                    if item.id in reasons
                    else ""
                ),
                coordinated_note=coordination_note(item),
                no_actions_reason=(item.no_actions_reason or "") if item.is_coordinated else "",
                subject=case_subject(item.case),
                address_alert=has_address_alert(item.case_id),
            )
        )
    return MinutesDocument(
        area_name=meeting.area.name,
        meeting_title=f"{meeting.area.name} MARAC",
        meeting_date=meeting.starts_at.astimezone(LONDON).date(),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        venue=meeting.venue or "",
        chair_name=meeting.chair.name if meeting.chair else "",
        minutes_version=approval.minutes_version if approval else 1,
        approved_at=approval.approved_at if approval else None,
        statement_version=opening.statement_version if opening else "",
        statement_text=statement.text if statement else "",
        acknowledgements=tuple(acknowledgements),
        present=tuple(
            Present(name=a.name, agency=a.agency.name)
            for a in people
            if a.status == AttendanceStatus.PRESENT
        ),
        apologies=tuple(
            Apology(name=a.name, agency=a.agency.name, information_sent=bool(a.information_sent))
            for a in people
            if a.status == AttendanceStatus.APOLOGIES
        ),
        observers=tuple(Observer(name=o.name, organisation=o.organisation) for o in observers),
        outstanding_actions=tuple(
            _action_line(a) for a in outstanding_actions(meeting.area_id, meeting)
        ),
        cases=tuple(cases),
        deferrals=tuple(deferrals_of(meeting, items)),
    )
