"""Circulating the draft minutes to the people present for accuracy comments.

Before approval the chair or the coordinator sends the draft to everyone recorded as present
at the meeting who has an active account and whose agency is signed up to the protocol, with
a time until which comments are accepted. The email carries no case data: only the area, the
meeting date, the closing time and a link. While the circulation is open a recipient (and
only a recipient still recorded as present) may read the draft and leave comments; the
comments are read by the area's chair and coordinator only. Circulating again (a new closing
time, people recorded present since) makes a new circulation: the newest one decides.

Services flush, never commit, never read the request.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from marac_app import mail
from marac_app.attendance.models import Attendance, AttendanceStatus
from marac_app.attendance.services import case_list, require_gate_open
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.errors import ServiceError
from marac_app.common.time import LONDON, format_long_date
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.meetings.services import MEETING_HEADER
from marac_app.minutes import services
from marac_app.minutes.models import DraftCirculation, DraftComment, DraftRecipient
from marac_app.protocol.services import signup_problem

logger = logging.getLogger(__name__)

COMMENT_MAX = 2000
LONGEST_PERIOD = timedelta(days=28)
CLOSED_MESSAGE = "Comments on the draft minutes are closed"


# --- Reading ---------------------------------------------------------------------------


def circulations_of(meeting: Meeting) -> list[DraftCirculation]:
    """Every circulation of ``meeting``'s draft, newest first."""
    return list(
        db.session.scalars(
            sa.select(DraftCirculation)
            .where(DraftCirculation.meeting_id == meeting.id)
            .order_by(DraftCirculation.circulated_at.desc(), DraftCirculation.id.desc())
        )
    )


def current_circulation(meeting: Meeting) -> DraftCirculation | None:
    """The newest circulation of ``meeting``'s draft (the one that decides), or None."""
    found = circulations_of(meeting)
    return found[0] if found else None


def is_open(circulation: DraftCirculation | None, now: datetime | None = None) -> bool:
    """Comments are accepted on ``circulation`` until its closing time (and never after the
    minutes are approved: callers check that with ``services.approval_of``)."""
    return circulation is not None and (now or utcnow()) < circulation.comments_until


def present_attendance(meeting: Meeting, user: User) -> Attendance | None:
    """``user``'s attendance at ``meeting`` when it is recorded as present."""
    return db.session.scalar(
        sa.select(Attendance).where(
            Attendance.meeting_id == meeting.id,
            Attendance.user_id == user.id,
            Attendance.status == AttendanceStatus.PRESENT,
        )
    )


def eligible_recipients(meeting: Meeting) -> list[User]:
    """The people the draft may be sent to: recorded as present, with an active account,
    their agency signed up to the protocol; by name."""
    rows = db.session.scalars(
        sa.select(Attendance)
        .where(
            Attendance.meeting_id == meeting.id,
            Attendance.status == AttendanceStatus.PRESENT,
            Attendance.user_id.is_not(None),
        )
        .options(joinedload(Attendance.user))
        .order_by(Attendance.name, Attendance.id)
    )
    people = []
    for row in rows:
        person = row.user
        if person is not None and person.active and signup_problem(person.agency) is None:
            people.append(person)
    return people


def review_problem(meeting: Meeting, user: User) -> str | None:
    """Why ``user`` may not read the circulated draft of ``meeting`` at all (None when they
    may open the draft's page): they were sent the newest circulation, are still recorded
    as present, their account is active and their agency signed up."""
    circulation = current_circulation(meeting)
    if circulation is None or not any(r.user_id == user.id for r in circulation.recipients):
        return "The draft minutes of this meeting were not sent to you"
    if not user.active:
        return "Your account is not active"
    if present_attendance(meeting, user) is None:
        return "You are not recorded as present at this meeting"
    return signup_problem(user.agency)


def comments_of(meeting: Meeting) -> list[DraftComment]:
    """Every accuracy comment on ``meeting``'s draft, oldest first (chair and coordinator)."""
    return list(
        db.session.scalars(
            sa.select(DraftComment)
            .join(DraftCirculation, DraftCirculation.id == DraftComment.circulation_id)
            .where(DraftCirculation.meeting_id == meeting.id)
            .options(joinedload(DraftComment.author), joinedload(DraftComment.agenda_item))
            .order_by(DraftComment.created_at, DraftComment.id)
        )
    )


def comments_by(meeting: Meeting, user: User) -> list[DraftComment]:
    """``user``'s own comments on ``meeting``'s draft, oldest first."""
    return [c for c in comments_of(meeting) if c.author_id == user.id]


# --- Changes ---------------------------------------------------------------------------


def _email(meeting: Meeting, person: User, until: datetime, link: str) -> None:
    day = format_long_date(meeting.starts_at.astimezone(LONDON).date())
    closes = until.astimezone(LONDON)
    closes_text = f"{closes:%H:%M} on {format_long_date(closes.date())}"
    body = (
        f"Draft minutes for the {meeting.area.name} MARAC on {day} are ready for your "
        f"comments until {closes_text} (UK time).\n\n"
        f"Sign in to read them and comment:\n{link}\n\n"
        "The draft is not part of this email. Do not forward this email.\n"
        "If you were not expecting it, tell your MARAC coordinator.\n"
    )
    message = mail.build_message(
        person.email, f"Draft MARAC minutes for your comments: {meeting.area.name}, {day}", body
    )
    message[MEETING_HEADER] = str(meeting.id)
    mail.send(message)


def circulate(
    meeting: Meeting, *, comments_until: datetime | None, actor: User, base_url: str
) -> DraftCirculation:
    """Send the draft of ``meeting`` to everyone eligible (``eligible_recipients``, except
    ``actor``) for comments until ``comments_until`` (aware), and record who it went to.

    Refused (ServiceError) once approved, while the gate is closed, for a closing time not
    in the future or more than 28 days ahead (field ``comments_until``), when nobody can be
    sent it, or when an email cannot be sent (nothing is then saved). Callers check that
    ``actor`` is the chair or the coordinator of the area.
    """
    services.require_not_approved(meeting)
    require_gate_open(meeting)
    now = utcnow()
    if comments_until is None:
        raise ServiceError("Enter the date comments close", field="comments_until")
    if comments_until <= now:
        raise ServiceError("The time comments close must be in the future", field="comments_until")
    if comments_until > now + LONGEST_PERIOD:
        raise ServiceError("The time comments close must be within 28 days", field="comments_until")
    people = [p for p in eligible_recipients(meeting) if p.id != actor.id]
    if not people:
        raise ServiceError(
            "Nobody recorded as present at this meeting can be sent the draft: record "
            "attendance first (people need an account, and their agency must be signed up "
            "to the information-sharing protocol)"
        )
    circulation = DraftCirculation(
        meeting_id=meeting.id, comments_until=comments_until, circulated_by_id=actor.id
    )
    circulation.circulated_at = now
    db.session.add(circulation)
    for person in people:
        circulation.recipients.append(DraftRecipient(user_id=person.id, emailed_at=now))
    db.session.flush()
    link = f"{base_url.rstrip('/')}/minutes/meetings/{meeting.id}/draft"
    for person in people:
        try:
            _email(meeting, person, comments_until, link)
        except (OSError, smtplib.SMTPException) as error:
            logger.warning("draft circulation email failed meeting=%s", meeting.id)
            raise ServiceError(
                "The emails could not be sent, so the draft was not circulated. Try again later"
            ) from error
    record(
        AuditAction.MINUTES_DRAFT_CIRCULATED,
        actor=actor,
        object_type="meeting",
        object_id=meeting.id,
        detail=f"circulation={circulation.id} recipients={len(people)} "
        f"until={comments_until.isoformat()}",
    )
    return circulation


def add_comment(
    meeting: Meeting, *, author: User, agenda_item_id: int | None, text: str | None
) -> DraftComment:
    """Record ``author``'s accuracy comment on the draft (about one case of the list, or the
    whole minutes when ``agenda_item_id`` is None).

    Refused (ServiceError) when ``author`` may not review the draft (``review_problem``),
    once the minutes are approved or the circulation has closed, for a case not on the list
    (field ``case``) and for an empty or too long comment (field ``text``).
    """
    problem = review_problem(meeting, author)
    if problem:
        raise ServiceError(problem)
    circulation = current_circulation(meeting)
    if circulation is None or not is_open(circulation) or services.approval_of(meeting):
        raise ServiceError(CLOSED_MESSAGE)
    case_id = None
    if agenda_item_id is not None:
        item = next((i for i in case_list(meeting) if i.id == agenda_item_id), None)
        if item is None:
            raise ServiceError("Select a case on this meeting's list", field="case")
        case_id = item.case_id
    body = (text or "").replace("\r\n", "\n").strip()
    if not body:
        raise ServiceError("Enter your comment", field="text")
    if len(body) > COMMENT_MAX:
        raise ServiceError(
            f"Your comment must be {COMMENT_MAX:,} characters or fewer", field="text"
        )
    comment = DraftComment(
        circulation_id=circulation.id,
        author_id=author.id,
        agenda_item_id=agenda_item_id,
        text=body,
        created_at=utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    record(
        AuditAction.MINUTES_DRAFT_COMMENT_ADDED,
        actor=author,
        object_type="meeting",
        object_id=meeting.id,
        case_ids=[case_id] if case_id is not None else (),
        detail=f"circulation={circulation.id} comment={comment.id}",
    )
    return comment
