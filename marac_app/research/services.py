"""Research returns: circulating the list, the deadline, saving, reopening, reminding, the
coordinator's matrix, what a viewer may see of a case's returns, and a returned item made
into a minute entry.

Services flush, never commit, never read the request. Emails carry no case data: only the
area, the meeting date, the deadline and a sign-in link. Rich text goes through
``sanitize_html`` on write; "information held but not shared" is plain text (escaped when
shown). Audit details hold ids and field names only.
"""

from __future__ import annotations

import enum
import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from marac_app import mail
from marac_app.agencies.models import Agency, agency_areas
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, User
from marac_app.common.errors import ConflictError, ServiceError
from marac_app.common.sanitize import is_blank, sanitize_html
from marac_app.common.time import LONDON, format_long_date, london_day_bounds
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Invitation, Meeting
from marac_app.meetings.services import MEETING_HEADER
from marac_app.meetings.working_days import working_days_before
from marac_app.minutes import drafts
from marac_app.minutes import services as minutes_services
from marac_app.minutes.models import TEXT_MAX, EntryKind, MinuteEntry, Subject
from marac_app.notifications.models import NotificationKind
from marac_app.notifications.services import notify, wants_email
from marac_app.protocol.services import require_signed_up, signup_problem
from marac_app.referrals.models import AgendaItem
from marac_app.referrals.services import case_list
from marac_app.research.models import (
    RETURN_KINDS,
    RETURN_SUBJECTS,
    ResearchCirculation,
    ResearchReturn,
    ResearchReturnItem,
)
from marac_app.research.permissions import (
    is_invited_rep,
    return_access,
)

logger = logging.getLogger(__name__)

ITEMS_MAX = 20
WITHHELD_MAX = 5000
DEADLINE_PASSED = (
    "The deadline for research returns for this meeting has passed. Ask the MARAC "
    "coordinator to reopen your agency's return"
)
RETURN_CONFLICT = (
    "Someone else from your agency saved this return while you were editing it. Their "
    "saved return is shown below with yours; check both, then save again"
)
NOTHING_HELD_AND_ITEMS = (
    "You said your agency holds nothing: remove the information entered, or untick "
    "\u201cnothing held\u201d"
)
EMPTY_RETURN = (
    "Enter what your agency holds, what it holds but is not sharing and why, or select "
    "that it holds nothing"
)
SUBJECT_MESSAGE = "Select who the information is about"
KIND_MESSAGE = "Select whether this is a fact or a professional opinion"
TEXT_MESSAGE = "Enter the information your agency holds"
TEXT_TOO_LONG = f"The information must be {TEXT_MAX:,} characters or fewer"
WITHHELD_TOO_LONG = f"What is not shared, and why, must be {WITHHELD_MAX:,} characters or fewer"
TOO_MANY_ITEMS = f"A return can hold up to {ITEMS_MAX} pieces of information"
EMAIL_FAILED = "The emails could not be sent. Try again later"


class ReturnStatus(enum.StrEnum):
    RETURNED = "returned"
    NOTHING_HELD = "nothing_held"
    NOT_YET_RETURNED = "not_yet_returned"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    ReturnStatus.RETURNED: "Returned",
    ReturnStatus.NOTHING_HELD: "Nothing held",
    ReturnStatus.NOT_YET_RETURNED: "Not yet returned",
}


def status_of(found: ResearchReturn | None) -> ReturnStatus:
    if found is None or not found.is_submitted:
        return ReturnStatus.NOT_YET_RETURNED
    return ReturnStatus.NOTHING_HELD if found.nothing_held else ReturnStatus.RETURNED


# --- The deadline ------------------------------------------------------------------------


def return_deadline_date(meeting: Meeting) -> date:
    """The last day for returns: the area's number of working days (weekends and bank
    holidays skipped) before the meeting's day in Europe/London."""
    day = meeting.starts_at.astimezone(LONDON).date()
    return working_days_before(day, meeting.area.return_deadline_days)


def return_deadline(meeting: Meeting) -> datetime:
    """When returns close (UTC): the end of ``return_deadline_date`` in Europe/London."""
    return london_day_bounds(return_deadline_date(meeting))[1]


def deadline_text(meeting: Meeting) -> str:
    """ "the end of Tuesday 1 December 2026" (UK time)."""
    day = return_deadline_date(meeting)
    return f"the end of {day:%A} {format_long_date(day)}"


def deadline_passed(meeting: Meeting, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= return_deadline(meeting)


def may_change(meeting: Meeting, found: ResearchReturn | None, now: datetime | None = None) -> bool:
    """Whether the agency may return (or change its return) now: before the deadline, or
    after it while the coordinator has reopened it."""
    if not deadline_passed(meeting, now):
        return True
    return found is not None and found.reopened_at is not None


# --- Reading -----------------------------------------------------------------------------


def invited_reps(meeting: Meeting) -> list[User]:
    """The people the research list goes to: live invitations of ``meeting`` held by active
    representatives of active agencies serving its area, working in it, whose agency is
    signed up to the protocol; by name. The same people as ``is_invited_rep`` admits, found
    in one statement, and each agency's sign-up read once (the live case page asks for every
    case: it was two statements per invited person)."""
    people = db.session.scalars(
        sa.select(User)
        .join(Invitation, Invitation.user_id == User.id)
        .join(Agency, Agency.id == User.agency_id)
        .join(
            agency_areas,
            sa.and_(
                agency_areas.c.agency_id == Agency.id,
                agency_areas.c.area_id == meeting.area_id,
            ),
        )
        .where(
            Invitation.meeting_id == meeting.id,
            Invitation.revoked_at.is_(None),
            User.role == Role.AGENCY_REP,
            User.active.is_(True),
            Agency.active.is_(True),
            sa.or_(User.area_id.is_(None), User.area_id == meeting.area_id),
        )
        .options(selectinload(User.agency))
        .order_by(User.name, User.id)
    ).unique()
    signed: dict[int, bool] = {}
    chosen = []
    for person in people:
        agency = person.agency
        if agency is None:
            continue
        if agency.id not in signed:
            signed[agency.id] = signup_problem(agency) is None
        if signed[agency.id]:
            chosen.append(person)
    return chosen


def invited_agencies(meeting: Meeting) -> list[Agency]:
    """The agencies whose invited representatives may return for ``meeting``; by name."""
    found: dict[int, Agency] = {}
    for person in invited_reps(meeting):
        if person.agency is not None:
            found.setdefault(person.agency.id, person.agency)
    return sorted(found.values(), key=lambda a: (a.name, a.id))


def circulation_of(meeting: Meeting) -> ResearchCirculation | None:
    """The newest circulation of ``meeting``'s research list, or None."""
    return db.session.scalar(
        sa.select(ResearchCirculation)
        .where(ResearchCirculation.meeting_id == meeting.id)
        .order_by(ResearchCirculation.circulated_at.desc(), ResearchCirculation.id.desc())
        .limit(1)
    )


def return_for(item: AgendaItem, agency_id: int) -> ResearchReturn | None:
    return db.session.scalar(
        sa.select(ResearchReturn)
        .where(ResearchReturn.agenda_item_id == item.id, ResearchReturn.agency_id == agency_id)
        .options(selectinload(ResearchReturn.items))
    )


def returns_of_meeting(meeting: Meeting) -> dict[tuple[int, int], ResearchReturn]:
    """Every return of ``meeting``, by (agenda item id, agency id)."""
    rows = db.session.scalars(
        sa.select(ResearchReturn)
        .join(AgendaItem, AgendaItem.id == ResearchReturn.agenda_item_id)
        .where(AgendaItem.meeting_id == meeting.id)
    )
    return {(r.agenda_item_id, r.agency_id): r for r in rows}


@dataclass(frozen=True)
class MatrixCell:
    agency: Agency
    status: ReturnStatus
    reopened: bool
    late: bool  # not returned and the deadline has passed (the coordinator may reopen)


@dataclass(frozen=True)
class MatrixRow:
    item: AgendaItem
    cells: list[MatrixCell]


def matrix(meeting: Meeting, now: datetime | None = None) -> tuple[list[Agency], list[MatrixRow]]:
    """The coordinator's matrix: each case on the list (restricted cases left out) × each
    invited agency → returned / nothing held / not yet returned."""
    agencies = invited_agencies(meeting)
    found = returns_of_meeting(meeting)
    passed = deadline_passed(meeting, now)
    rows = []
    for item in case_list(meeting):
        cells = []
        for agency in agencies:
            ret = found.get((item.id, agency.id))
            status = status_of(ret)
            reopened = ret is not None and ret.reopened_at is not None
            cells.append(MatrixCell(agency, status, reopened, passed and not reopened))
        rows.append(MatrixRow(item, cells))
    return agencies, rows


@dataclass(frozen=True)
class AgencyCase:
    """A case on the list as one agency's representative sees it on the returns page."""

    item: AgendaItem
    status: ReturnStatus
    may_change: bool


def agency_cases(meeting: Meeting, agency_id: int, now: datetime | None = None) -> list[AgencyCase]:
    found = returns_of_meeting(meeting)
    rows = []
    for item in case_list(meeting):
        ret = found.get((item.id, agency_id))
        rows.append(AgencyCase(item, status_of(ret), may_change(meeting, ret, now)))
    return rows


@dataclass(frozen=True)
class VisibleReturn:
    """One agency's return for a case as a viewer may see it: ``withheld`` is None unless
    the viewer may read "information held but not shared" (``can_see_withheld``)."""

    agency: Agency
    status: ReturnStatus
    research_return: ResearchReturn | None
    items: list[ResearchReturnItem]
    withheld: str | None


def returns_for_case(agenda_item: AgendaItem, viewer: User) -> list[VisibleReturn]:
    """The returns of ``agenda_item``'s case that ``viewer`` may see (invited agencies and any
    agency that returned), by agency name. Reads only: the caller's page audits the read
    (the case id). Empty for a viewer who may see none."""
    agencies = {a.id: a for a in invited_agencies(agenda_item.meeting)}
    by_agency = {
        r.agency_id: r
        for r in db.session.scalars(
            sa.select(ResearchReturn)
            .where(ResearchReturn.agenda_item_id == agenda_item.id)
            .options(selectinload(ResearchReturn.items), selectinload(ResearchReturn.agency))
        )
    }
    for returned in by_agency.values():
        agencies.setdefault(returned.agency_id, returned.agency)
    access = return_access(viewer, agenda_item)
    shown = []
    for agency in sorted(agencies.values(), key=lambda a: (a.name, a.id)):
        if not access.sees(agency.id):
            continue
        ret = by_agency.get(agency.id)
        status = status_of(ret)
        submitted = ret is not None and ret.is_submitted
        withheld = None
        if submitted and ret is not None and access.sees_withheld(agency.id):
            withheld = ret.withheld or ""
        shown.append(
            VisibleReturn(
                agency=agency,
                status=status,
                research_return=ret,
                items=list(ret.items) if submitted and ret is not None else [],
                withheld=withheld,
            )
        )
    return shown


@dataclass(frozen=True)
class DueMeeting:
    """An upcoming meeting whose research list was circulated to a representative: no case
    data, only how many of its cases their agency has still to return."""

    meeting: Meeting
    deadline: str
    outstanding: int
    passed: bool


def returns_due(user: User, now: datetime | None = None) -> list[DueMeeting]:
    """The home page's "Research returns due" for an invited representative (empty for
    anyone else): upcoming meetings they are invited to whose list was circulated."""
    now = now or utcnow()
    meetings = db.session.scalars(
        sa.select(Meeting)
        .join(Invitation, Invitation.meeting_id == Meeting.id)
        .join(ResearchCirculation, ResearchCirculation.meeting_id == Meeting.id)
        .where(
            Invitation.user_id == user.id,
            Invitation.revoked_at.is_(None),
            Meeting.starts_at > now,
        )
        .order_by(Meeting.starts_at)
        .distinct()
    )
    due = []
    for meeting in meetings:
        if meeting.is_cancelled or not is_invited_rep(user, meeting):
            continue
        outstanding = sum(
            1
            for row in agency_cases(meeting, user.agency_id or 0, now)
            if row.status == ReturnStatus.NOT_YET_RETURNED
        )
        due.append(
            DueMeeting(meeting, deadline_text(meeting), outstanding, deadline_passed(meeting, now))
        )
    return due


# --- Circulating and reminding -----------------------------------------------------------


def _email(meeting: Meeting, person: User, link: str, *, reminder: bool) -> None:
    """A sign-in link and the deadline; never a name, a reference or any case data."""
    day = format_long_date(meeting.starts_at.astimezone(LONDON).date())
    opening = (
        f"This is a reminder: your agency's research returns for the {meeting.area.name} "
        f"MARAC on {day} are not all in yet."
        if reminder
        else f"The research list for the {meeting.area.name} MARAC on {day} is ready."
    )
    body = (
        f"{opening}\n\n"
        "Please check your agency's records for each case on the list and send your "
        f"agency's research returns by {deadline_text(meeting)} (UK time).\n\n"
        f"Sign in to see the list and make your returns:\n{link}\n\n"
        "The list is not part of this email. Do not forward this email.\n"
        "If you were not expecting it, tell your MARAC coordinator.\n"
    )
    subject = (
        f"Reminder: MARAC research returns due: {meeting.area.name}, {day}"
        if reminder
        else f"MARAC research list: {meeting.area.name}, {day}"
    )
    message = mail.build_message(person.email, subject, body)
    message[MEETING_HEADER] = str(meeting.id)
    mail.send(message)


def _send_all(meeting: Meeting, people: Sequence[User], link: str, *, reminder: bool) -> None:
    for person in people:
        try:
            _email(meeting, person, link, reminder=reminder)
        except (OSError, smtplib.SMTPException) as error:
            logger.warning("research email failed meeting=%s reminder=%s", meeting.id, reminder)
            raise ServiceError(EMAIL_FAILED) from error


def circulate(meeting: Meeting, *, actor: User, link: str) -> ResearchCirculation:
    """Tell every invited representative (``invited_reps``) that the research list of
    ``meeting`` is ready, by email (``link`` signs them in to the returns page) and on their
    home page; record it on the meeting. Refused (ServiceError) for a cancelled meeting, an
    empty case list, nobody to tell, or an email that could not be sent (nothing saved).
    The caller has checked that ``actor`` is the area's coordinator."""
    if meeting.is_cancelled:
        raise ServiceError("This meeting has been cancelled")
    if not case_list(meeting):
        raise ServiceError("There are no cases on this meeting's list to research yet")
    people = invited_reps(meeting)
    if not people:
        raise ServiceError(
            "Nobody can be sent the research list: invite representatives of agencies "
            "signed up to the information-sharing protocol first"
        )
    circulation = ResearchCirculation(
        meeting_id=meeting.id, circulated_by_id=actor.id, recipients=len(people)
    )
    circulation.circulated_at = utcnow()
    db.session.add(circulation)
    db.session.flush()
    _send_all(
        meeting,
        [p for p in people if wants_email(p, NotificationKind.RESEARCH_LIST)],
        link,
        reminder=False,
    )
    day = format_long_date(meeting.starts_at.astimezone(LONDON).date())
    for person in people:
        notify(
            person,
            NotificationKind.RESEARCH_LIST,
            f"/research/meetings/{meeting.id}",
            f"A research list is ready for your agency: the {meeting.area.name} MARAC meeting "
            f"of {day}",
            email=False,  # emailed above, to those who chose it
        )
    record(
        AuditAction.RESEARCH_LIST_CIRCULATED,
        actor=actor,
        object_type="meeting",
        object_id=meeting.id,
        detail=f"circulation={circulation.id} recipients={len(people)}",
    )
    return circulation


def remind(meeting: Meeting, agency: Agency, *, actor: User, link: str) -> int:
    """Email ``agency``'s invited representatives a reminder (no case data); how many were
    sent. Refused when the list has not been circulated or the agency has nobody invited."""
    if circulation_of(meeting) is None:
        raise ServiceError("Circulate the research list before sending reminders")
    people = [p for p in invited_reps(meeting) if p.agency_id == agency.id]
    if not people:
        raise ServiceError("Nobody from this agency is invited to the meeting")
    _send_all(meeting, people, link, reminder=True)
    record(
        AuditAction.RESEARCH_REMINDER_SENT,
        actor=actor,
        object_type="meeting",
        object_id=meeting.id,
        detail=f"agency={agency.id} recipients={len(people)}",
    )
    return len(people)


# --- Returns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemInput:
    """One piece of information as typed: who it is about, fact or opinion, the text."""

    subject: str | None
    kind: str | None
    text: str | None


def clean_items(items: Sequence[ItemInput]) -> list[tuple[Subject, EntryKind, str]]:
    """The items to keep (wholly blank ones dropped), each checked; ServiceError naming the
    item's number (the form shows the same checks next to each field)."""
    kept = []
    for number, raw in enumerate(items, start=1):
        text = (raw.text or "").strip()
        if not text and not raw.subject and not raw.kind:
            continue
        where = f"Information {number}: "
        if raw.subject not in {s.value for s in RETURN_SUBJECTS}:
            raise ServiceError(where + SUBJECT_MESSAGE)
        if raw.kind not in {k.value for k in RETURN_KINDS}:
            raise ServiceError(where + KIND_MESSAGE)
        if len(text) > TEXT_MAX:
            raise ServiceError(where + TEXT_TOO_LONG)
        html = sanitize_html(text)
        if is_blank(html):
            raise ServiceError(where + TEXT_MESSAGE)
        kept.append((Subject(raw.subject), EntryKind(raw.kind), html))
    if len(kept) > ITEMS_MAX:
        raise ServiceError(TOO_MANY_ITEMS)
    return kept


def save_return(
    item: AgendaItem,
    agency: Agency,
    *,
    version: int | None,
    nothing_held: bool,
    withheld: str | None,
    items: Sequence[ItemInput],
    actor: User,
    now: datetime | None = None,
) -> ResearchReturn:
    """Save ``agency``'s return for ``item``'s case (a first return or a change).

    Refused (ServiceError) after the deadline unless the coordinator reopened it, when the
    agency is not signed up, for "nothing held" with information entered, for an empty
    return, and for an item or text that fails its check; ConflictError when ``version`` is
    stale (someone of the agency saved since the form was opened). Items replace the
    previous ones; the previous return is not kept (the audit trail names the fields).
    The caller has checked that ``actor`` is an invited representative of ``agency``.
    """
    now = now or utcnow()
    meeting = item.meeting
    require_signed_up(agency)
    existing = return_for(item, agency.id)
    if not may_change(meeting, existing, now):
        raise ServiceError(DEADLINE_PASSED)
    if existing is not None and existing.is_submitted and version != existing.version:
        raise ConflictError(RETURN_CONFLICT)
    if (
        existing is not None
        and not existing.is_submitted
        and version not in (None, existing.version)
    ):
        raise ConflictError(RETURN_CONFLICT)
    if existing is None and version is not None:
        raise ConflictError(RETURN_CONFLICT)
    kept = clean_items(items)
    withheld_text = (withheld or "").strip()
    if len(withheld_text) > WITHHELD_MAX:
        raise ServiceError(WITHHELD_TOO_LONG, field="withheld")
    if nothing_held and (kept or withheld_text):
        raise ServiceError(NOTHING_HELD_AND_ITEMS, field="nothing_held")
    if not nothing_held and not kept and not withheld_text:
        raise ServiceError(EMPTY_RETURN)
    ret = existing or ResearchReturn(agenda_item_id=item.id, agency_id=agency.id)
    changed = []
    if existing is None or not existing.is_submitted:
        changed = ["items", "withheld", "nothing_held"]
    else:
        old_items = [(i.subject, i.kind, i.text_html) for i in existing.items]
        if old_items != kept:
            changed.append("items")
        if existing.withheld != withheld_text:
            changed.append("withheld")
        if existing.nothing_held != nothing_held:
            changed.append("nothing_held")
    ret.nothing_held = nothing_held
    ret.withheld = withheld_text
    old_entries = {(i.subject, i.kind, i.text_html): i.minute_entry_id for i in ret.items}
    ret.items.clear()
    for position, (subject, kind, html) in enumerate(kept):
        ret.items.append(
            ResearchReturnItem(
                position=position,
                subject=subject,
                kind=kind,
                text_html=html,
                minute_entry_id=old_entries.get((subject, kind, html)),
            )
        )
    first = not ret.is_submitted
    ret.submitted_at = now
    ret.submitted_by_id = actor.id
    ret.reopened_at = None
    ret.reopened_by_id = None
    if existing is None:
        db.session.add(ret)
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ConflictError(RETURN_CONFLICT) from error
    record(
        AuditAction.RESEARCH_RETURN_SAVED,
        actor=actor,
        object_type="research_return",
        object_id=ret.id,
        case_ids=[item.case_id],
        detail=f"meeting={meeting.id} agency={agency.id} {'first' if first else 'changed'} "
        f"fields={','.join(changed) or 'none'} items={len(kept)}",
    )
    return ret


def reopen(
    item: AgendaItem, agency: Agency, *, actor: User, now: datetime | None = None
) -> ResearchReturn:
    """Let ``agency`` return (or change its return) for ``item``'s case after the deadline,
    once. Refused before the deadline (the agency can still return) and when it is already
    reopened. The caller has checked that ``actor`` is the area's coordinator."""
    meeting = item.meeting
    if not deadline_passed(meeting, now):
        raise ServiceError("The deadline has not passed: the agency can still make its return")
    ret = return_for(item, agency.id)
    if ret is not None and ret.reopened_at is not None:
        raise ServiceError("This return is already reopened")
    if ret is None:
        ret = ResearchReturn(agenda_item_id=item.id, agency_id=agency.id)
        db.session.add(ret)
    ret.reopened_at = now or utcnow()
    ret.reopened_by_id = actor.id
    db.session.flush()
    record(
        AuditAction.RESEARCH_RETURN_REOPENED,
        actor=actor,
        object_type="research_return",
        object_id=ret.id,
        case_ids=[item.case_id],
        detail=f"meeting={meeting.id} agency={agency.id}",
    )
    return ret


def item_of_case(item: AgendaItem, return_item_id: int | None) -> ResearchReturnItem | None:
    """The returned item ``return_item_id`` when it belongs to a submitted return of
    ``item`` (None otherwise)."""
    if return_item_id is None:
        return None
    found = db.session.get(ResearchReturnItem, return_item_id)
    if found is None:
        return None
    ret = found.research_return
    if ret.agenda_item_id != item.id or not ret.is_submitted:
        return None
    return found


def make_entry(return_item: ResearchReturnItem, *, actor: User) -> MinuteEntry:
    """Turn a returned item into a minute entry in one step, carrying over its kind, subject
    and source agency (``minutes.services.add_entry``: refused while the gate is closed,
    once the minutes are approved, or when the agency is not signed up). Refused when the
    item was already made into an entry. The minute-taker's unsaved new-entry draft is
    kept. The caller has checked that ``actor`` may write the minutes."""
    ret = return_item.research_return
    item = ret.agenda_item
    if return_item.minute_entry_id is not None:
        raise ServiceError("This information is already in the minutes")
    draft = drafts.draft_of(actor.id, item.id, "entry-new")
    kept_draft = drafts.values_of(draft) if draft is not None else None
    entry = minutes_services.add_entry(
        item,
        subject=return_item.subject,
        kind=return_item.kind,
        source_agency=ret.agency,
        text=return_item.text_html,
        actor=actor,
    )
    if kept_draft:
        drafts.save(item, "entry-new", kept_draft, actor=actor)
    return_item.minute_entry_id = entry.id
    db.session.flush()
    record(
        AuditAction.RESEARCH_RETURN_ITEM_MADE_ENTRY,
        actor=actor,
        object_type="research_return_item",
        object_id=return_item.id,
        case_ids=[item.case_id],
        detail=f"meeting={item.meeting_id} agency={ret.agency_id} entry={entry.id}",
    )
    return entry
