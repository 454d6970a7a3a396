"""Recipients of the minutes and the access rules. Services flush, never commit, never read
``request`` (except ``notify_recipients``, a background job's own transaction).

Callers: distribution.views, distribution.permissions, distribution.jobs and the
``minutes-pdf`` CLI command. Every copy a person downloads goes through
``issue_minutes_copy`` / ``issue_action_extract``, which check access with the same rule the
pages use (``minutes_access_problem`` / ``extract_access_problem``) before the copy log
(``distribution.copies``) stamps and records it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa

from marac_app import audit, mail
from marac_app.action_items.models import ActionItem
from marac_app.action_items.services import agreed_at
from marac_app.agencies.models import Agency, agency_areas
from marac_app.attendance.models import Attendance, AttendanceStatus
from marac_app.attendance.services import attendance_of
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, User
from marac_app.common.errors import ServiceError
from marac_app.common.time import LONDON, format_long_date
from marac_app.db import db, utcnow
from marac_app.distribution.copies import (
    NOT_APPROVED,
    CopyRefused,
    approved_version,
    extract_master,
    issue_copy,
    meeting_actions_for,
    minutes_master,
    revoke_copy,
)
from marac_app.distribution.models import DocumentCopy, MinutesRecipient
from marac_app.meetings.models import Invitation, Meeting
from marac_app.meetings.permissions import is_invited
from marac_app.minutes.builder import deferrals_of
from marac_app.notifications.models import NotificationKind
from marac_app.notifications.services import notify, wants_email
from marac_app.protocol.services import choose_signed_up_people, signup_problem
from marac_app.referrals.services import case_list

logger = logging.getLogger(__name__)

NOT_A_RECIPIENT = "This person is not a recipient of these minutes"
REMOVED = "This person's access to these minutes has been removed"
ACCOUNT_INACTIVE = "This person's account is deactivated"
NO_ACTIONS_ACCESS = "This person may not receive this agency's actions"
OTHER_AREA = "This person does not take part in this MARAC area"


def oversees_area(user: User, meeting: Meeting) -> bool:
    """The coordinator or a chair of the meeting's area."""
    return bool(
        user.active
        and user.role in (Role.COORDINATOR, Role.CHAIR)
        and user.area_id is not None
        and user.area_id == meeting.area_id
    )


def recipient_rows(meeting: Meeting, *, live_only: bool = True) -> list[MinutesRecipient]:
    query = sa.select(MinutesRecipient).where(MinutesRecipient.meeting_id == meeting.id)
    if live_only:
        query = query.where(MinutesRecipient.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(MinutesRecipient.added_at, MinutesRecipient.id)))


def recipient_of(meeting: Meeting, user: User) -> MinutesRecipient | None:
    """``user``'s recipient row for ``meeting`` (live or removed), if any."""
    return db.session.scalar(
        sa.select(MinutesRecipient).where(
            MinutesRecipient.meeting_id == meeting.id, MinutesRecipient.user_id == user.id
        )
    )


def _of_area_clause(area_id: int) -> sa.ColumnElement[bool]:
    """A representative of ``area_id``: their agency serves it and they belong to no area
    or to that one."""
    serving = sa.select(agency_areas.c.agency_id).where(agency_areas.c.area_id == area_id)
    return sa.and_(
        User.role == Role.AGENCY_REP,
        User.agency_id.in_(serving),
        sa.or_(User.area_id.is_(None), User.area_id == area_id),
    )


def of_meeting_area(user: User, meeting: Meeting) -> bool:
    """``user`` is a representative of the meeting's area (see ``_of_area_clause``)."""
    if user.role != Role.AGENCY_REP or user.agency_id is None:
        return False
    if user.area_id is not None and user.area_id != meeting.area_id:
        return False
    serves = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(agency_areas)
        .where(
            agency_areas.c.agency_id == user.agency_id,
            agency_areas.c.area_id == meeting.area_id,
        )
    )
    return bool(serves)


def recipient_candidates(meeting: Meeting) -> list[User]:
    """Who may be picked: the coordinators and chairs of the meeting's area, and the
    representatives of the area (``_of_area_clause``) who hold a live invitation to the
    meeting or were recorded present at it — never anyone of another area, whatever agency
    they belong to. Active accounts only; whether their agency is signed up is checked when
    saving."""
    invited = sa.select(Invitation.user_id).where(
        Invitation.meeting_id == meeting.id, Invitation.revoked_at.is_(None)
    )
    present = sa.select(Attendance.user_id).where(
        Attendance.meeting_id == meeting.id,
        Attendance.status == AttendanceStatus.PRESENT,
        Attendance.user_id.is_not(None),
    )
    representatives = sa.and_(
        _of_area_clause(meeting.area_id), sa.or_(User.id.in_(invited), User.id.in_(present))
    )
    area_staff = sa.and_(
        User.role.in_((Role.COORDINATOR, Role.CHAIR)), User.area_id == meeting.area_id
    )
    return list(
        db.session.scalars(
            sa.select(User)
            .outerjoin(Agency, User.agency_id == Agency.id)
            .where(User.active.is_(True), sa.or_(representatives, area_staff))
            .order_by(Agency.name, User.name, User.id)
        )
    )


def default_recipient_ids(meeting: Meeting) -> set[int]:
    """Ticked at first: the candidates (``recipient_candidates``: invited or present, of the
    meeting's area) who represent an agency that attended (present) or owns an action agreed
    at this meeting, plus the meeting's chair."""

    agency_ids = {
        a.agency_id for a in attendance_of(meeting) if a.status == AttendanceStatus.PRESENT
    }
    agency_ids |= set(
        db.session.scalars(sa.select(ActionItem.owner_agency_id).where(agreed_at(meeting)))
    )
    chosen = {
        u.id
        for u in recipient_candidates(meeting)
        if u.role == Role.AGENCY_REP and u.agency_id in agency_ids
    }
    if meeting.chair_id is not None and meeting.chair is not None and meeting.chair.active:
        chosen.add(meeting.chair_id)
    return chosen


def save_recipients(
    meeting: Meeting, user_ids: list[int], *, actor: User
) -> tuple[list[MinutesRecipient], list[MinutesRecipient]]:
    """Make ``user_ids`` the meeting's recipients: add the new ones, remove the others.

    All or nothing: if anyone new may not receive the minutes (not in the list, or their
    agency is not signed up to the information-sharing protocol) a ServiceError names every
    reason and nothing changes. Removing someone revokes their access and every copy they
    were issued at once. Returns (added, removed); the caller emails the added people
    (``notify_recipients`` in a background job).
    """
    if approved_version(meeting) is None:
        raise ServiceError(NOT_APPROVED)
    wanted = list(dict.fromkeys(user_ids))
    existing = {r.user_id: r for r in recipient_rows(meeting, live_only=False)}
    live = {uid for uid, r in existing.items() if r.revoked_at is None}
    if not wanted and not live:
        raise ServiceError("Select at least one person to send the minutes to", field="people")
    new_people = choose_signed_up_people(
        [user_id for user_id in wanted if user_id not in live],
        recipient_candidates(meeting),
        refused="cannot receive the minutes",
    )
    now = utcnow()
    added: list[MinutesRecipient] = []
    for person in new_people:
        row = existing.get(person.id)
        if row is None:
            row = MinutesRecipient(meeting_id=meeting.id, user_id=person.id)
            db.session.add(row)
        row.agency_id, row.added_by_id, row.added_at = person.agency_id, actor.id, now
        row.revoked_at = row.revoked_by_id = row.notified_at = None
        added.append(row)
    db.session.flush()
    for row in added:
        audit.record(
            AuditAction.MINUTES_RECIPIENT_ADDED,
            actor=actor,
            object_type="minutes_recipient",
            object_id=row.id,
            detail=f"meeting={meeting.id} user={row.user_id}",
        )
    if added:
        day = format_long_date(meeting.starts_at.astimezone(LONDON).date())
        for person in new_people:
            # In-app only: the background job emails them (notify_recipients).
            notify(
                person,
                NotificationKind.MINUTES,
                minutes_link(meeting),
                f"New minutes are ready for you: the {meeting.area.name} MARAC meeting of {day}",
                email=False,
            )
    removed = [existing[uid] for uid in sorted(live - set(wanted))]
    for row in removed:
        remove_recipient(row, actor=actor)
    return added, removed


def remove_recipient(row: MinutesRecipient, *, actor: User | None) -> None:
    """End ``row``'s access now and revoke every copy its person was issued for the meeting."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        row.revoked_by_id = actor.id if actor is not None else None
        db.session.flush()
        audit.record(
            AuditAction.MINUTES_RECIPIENT_REMOVED,
            actor=actor,
            object_type="minutes_recipient",
            object_id=row.id,
            detail=f"meeting={row.meeting_id} user={row.user_id}",
        )
    for copy in db.session.scalars(
        sa.select(DocumentCopy).where(
            DocumentCopy.meeting_id == row.meeting_id,
            DocumentCopy.recipient_user_id == row.user_id,
            DocumentCopy.revoked_at.is_(None),
        )
    ):
        revoke_copy(copy, actor=actor)


def minutes_access_problem(meeting: Meeting, user: User) -> str | None:
    """Why ``user`` may not download the minutes of ``meeting`` now (None when they may).

    They may when the minutes are approved, their account is active, their agency is signed
    up, and they are the coordinator or a chair of the meeting's area, or a representative of
    that area (``of_meeting_area``) who is a live recipient.
    """
    if approved_version(meeting) is None:
        return NOT_APPROVED
    if not user.active:
        return ACCOUNT_INACTIVE
    if not oversees_area(user, meeting):
        if not of_meeting_area(user, meeting):
            return OTHER_AREA  # even with a recipient row (saved before this rule, or moved)
        row = recipient_of(meeting, user)
        if row is None:
            return NOT_A_RECIPIENT
        if row.revoked_at is not None:
            return REMOVED
    return signup_problem(user.agency)


def extract_access_problem(meeting: Meeting, agency: Agency, user: User) -> str | None:
    """Why ``user`` may not download ``agency``'s action extract (None when they may).

    The coordinator and chairs of the area may take any agency's extract; a representative
    only their own agency's, when they are a live recipient of the minutes or hold a live
    invitation to the meeting (people who need their actions and no more) — unless the
    coordinator removed them as a recipient.
    """

    if approved_version(meeting) is None:
        return NOT_APPROVED
    if not user.active:
        return ACCOUNT_INACTIVE
    if not oversees_area(user, meeting):
        if user.role != Role.AGENCY_REP or user.agency_id != agency.id:
            return NO_ACTIONS_ACCESS
        if not of_meeting_area(user, meeting):
            return OTHER_AREA
        row = recipient_of(meeting, user)
        if row is not None and row.revoked_at is not None:
            return REMOVED  # removed by the coordinator: no extract either
        if row is None and not is_invited(user, meeting):
            return NOT_A_RECIPIENT
    return signup_problem(user.agency)


def issue_minutes_copy(
    meeting: Meeting, recipient: User, *, actor: User | None, ip: str | None
) -> tuple[DocumentCopy, bytes]:
    """Check access, then stamp, log and audit one copy of the minutes for ``recipient``.

    Raises ``CopyRefused`` with the reason when ``recipient`` may not hold a copy.
    """
    problem = minutes_access_problem(meeting, recipient)
    if problem:
        raise CopyRefused(problem)
    items = case_list(meeting)
    deferred = [d.case_id for d in deferrals_of(meeting, items) if d.case_id is not None]
    shown = [item.case_id for item in items] + deferred  # the PDF prints the deferrals too
    copy, pdf = issue_copy(minutes_master(meeting), recipient, actor=actor, ip=ip, case_ids=shown)
    logger.info("minutes copy issued meeting=%s copy=%s user=%s", meeting.id, copy.id, recipient.id)
    return copy, pdf


def issue_action_extract(
    meeting: Meeting, agency: Agency, recipient: User, *, actor: User | None, ip: str | None
) -> tuple[DocumentCopy, bytes]:
    """Check access, then stamp, log and audit one copy of ``agency``'s action extract."""
    problem = extract_access_problem(meeting, agency, recipient)
    if problem:
        raise CopyRefused(problem)
    shown = {line.case_id for line in meeting_actions_for(meeting, agency) if line.case_id}
    copy, pdf = issue_copy(
        extract_master(meeting, agency), recipient, actor=actor, ip=ip, case_ids=sorted(shown)
    )
    logger.info(
        "action extract issued meeting=%s agency=%s copy=%s user=%s",
        meeting.id,
        agency.id,
        copy.id,
        recipient.id,
    )
    return copy, pdf


def minutes_link(meeting: Meeting) -> str:
    """The path of the meeting's minutes download (it checks access itself)."""
    return f"/distribution/meetings/{meeting.id}/minutes.pdf"


@dataclass(frozen=True)
class NotifyResult:
    sent: int
    master_pages: int


def notify_recipients(meeting: Meeting, *, base_url: str) -> NotifyResult:
    """Pre-render the master, then email every live recipient not yet emailed a link to sign
    in and download. The email holds no attachment and no case data: only the area, the
    meeting date and the link. Commits after each email so a failure part-way is not lost
    (this runs in a background job, never inside a request)."""

    master = minutes_master(meeting)
    db.session.commit()
    link = base_url.rstrip("/") + minutes_link(meeting)
    day = format_long_date(meeting.starts_at.astimezone(LONDON).date())
    sent = 0
    for row in recipient_rows(meeting):
        if row.notified_at is not None or minutes_access_problem(meeting, row.user):
            continue  # emailed already, or may not download (deactivated, another area…)
        if not wants_email(row.user, NotificationKind.MINUTES):
            continue  # they chose not to be emailed: the notification is on their home page
        body = (
            f"The approved minutes of the {meeting.area.name} MARAC meeting on {day} are "
            "ready for you.\n\n"
            f"Sign in to download your copy:\n{link}\n\n"
            "Your copy is marked OFFICIAL-SENSITIVE and stamped with your name. Do not forward "
            "it or share it with anyone who has not signed the information-sharing protocol.\n"
            "If you were not expecting this email, tell your MARAC coordinator.\n"
        )
        mail.send(
            mail.build_message(
                row.user.email, f"MARAC minutes ready: {meeting.area.name}, {day}", body
            )
        )
        row.notified_at = utcnow()
        audit.record(
            AuditAction.MINUTES_RECIPIENT_NOTIFIED,
            actor=None,
            object_type="minutes_recipient",
            object_id=row.id,
            detail=f"meeting={meeting.id} user={row.user_id}",
        )
        db.session.commit()
        sent += 1
    return NotifyResult(sent=sent, master_pages=master.page_count)
