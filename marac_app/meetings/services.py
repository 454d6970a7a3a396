"""Meeting operations: schedule, edit, cancel, invite, and the calendar emails they send.

Services flush, never commit, never read ``request``. Each change bumps the meeting's
iCalendar SEQUENCE and emails the live invitees (REQUEST for changes, CANCEL for
cancellation). Emails carry no case information. Audit details hold ids and field names only.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from marac_app import mail
from marac_app.agencies.models import Agency, MaracArea, agency_areas
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, User
from marac_app.common.errors import ConflictError, ServiceError
from marac_app.common.pagination import paginate
from marac_app.common.time import LONDON, london_today
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings import reminders
from marac_app.meetings.ical import meeting_summary, meeting_to_ical, occurrence_to_ical
from marac_app.meetings.models import (
    Invitation,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingStatus,
)
from marac_app.meetings.recurrence import Recurrence, occurrences
from marac_app.meetings.slots import series_sequence, slot_of
from marac_app.meetings.working_days import working_days_before
from marac_app.protocol.services import choose_signed_up_people

logger = logging.getLogger(__name__)

# The refusals the forms give too (marac_app/meetings/forms.py): one wording for each.
END_BEFORE_START = "The end time must be after the start time"
NO_PLACE = "Enter a venue or an online meeting link (or both)"
CHAIR_NOT_OF_AREA = "Select a chair of this MARAC area"
NOBODY_TO_INVITE = "Select at least one person to invite"

MEETING_HEADER = "X-MARAC-Meeting"


@dataclass(frozen=True)
class MeetingDetails:
    """What the coordinator typed: a date and Europe/London wall-clock times."""

    day: date
    start: time
    end: time
    venue: str | None
    online_link: str | None
    chair_id: int | None
    kind: MeetingKind = MeetingKind.REGULAR

    def starts_at(self, day: date | None = None) -> datetime:
        return datetime.combine(day or self.day, self.start, tzinfo=LONDON)

    def ends_at(self, day: date | None = None) -> datetime:
        return datetime.combine(day or self.day, self.end, tzinfo=LONDON)


@dataclass(frozen=True)
class KeyDates:
    referral_cutoff: date
    case_list_circulation: date


# --- Reading --------------------------------------------------------------------------


def key_dates(meeting: Meeting) -> KeyDates:
    """Referral cut-off and case-list circulation dates (working days before the meeting)."""
    day = meeting.starts_at.astimezone(LONDON).date()
    config = current_app.config
    return KeyDates(
        referral_cutoff=working_days_before(day, int(config["REFERRAL_CUTOFF_WORKING_DAYS"])),
        case_list_circulation=working_days_before(day, int(config["CASE_LIST_WORKING_DAYS"])),
    )


def chairs_of_area(area_id: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role == Role.CHAIR, User.area_id == area_id, User.active.is_(True))
            .order_by(User.name)
        )
    )


def invitation_candidates(meeting: Meeting) -> list[User]:
    """People who may be picked: active representatives of the area's agencies — unless
    they belong to another area (an agency serving two areas has representatives in each) —
    and the area's chairs (whether their agency is signed up is checked when inviting)."""
    in_area = sa.select(agency_areas.c.agency_id).where(agency_areas.c.area_id == meeting.area_id)
    return list(
        db.session.scalars(
            sa.select(User)
            .outerjoin(Agency, User.agency_id == Agency.id)
            .where(
                User.active.is_(True),
                sa.or_(
                    sa.and_(
                        User.role == Role.AGENCY_REP,
                        User.agency_id.in_(in_area),
                        sa.or_(User.area_id.is_(None), User.area_id == meeting.area_id),
                    ),
                    sa.and_(User.role == Role.CHAIR, User.area_id == meeting.area_id),
                ),
            )
            .order_by(Agency.name, User.name)
        )
    )


def live_invitations(meeting: Meeting) -> list[Invitation]:
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .where(Invitation.meeting_id == meeting.id, Invitation.revoked_at.is_(None))
            .order_by(Invitation.invited_at, Invitation.id)
        )
    )


def meetings_query(user: User) -> sa.Select[Meeting] | None:
    """The meetings ``user`` may see (area for coordinators and chairs, invitations for
    representatives); None for roles that see none."""
    query = sa.select(Meeting)
    if user.role in (Role.COORDINATOR, Role.CHAIR):
        return query.where(Meeting.area_id == user.area_id)
    if user.role == Role.AGENCY_REP:
        invited = sa.select(Invitation.meeting_id).where(
            Invitation.user_id == user.id, Invitation.revoked_at.is_(None)
        )
        if user.area_id is not None:  # issue 15: the area they are working in now only
            query = query.where(Meeting.area_id == user.area_id)
        return query.where(Meeting.id.in_(invited))
    return None


def list_meetings(
    user: User, *, upcoming: bool, page: int = 1, per_page: int = 20
) -> tuple[list[Meeting], int]:
    """One page of the user's upcoming (soonest first) or past (latest first) meetings and
    the total count."""
    query = meetings_query(user)
    if query is None:
        return [], 0
    now = utcnow()
    if upcoming:
        query = query.where(Meeting.ends_at >= now).order_by(Meeting.starts_at, Meeting.id)
    else:
        query = query.where(Meeting.ends_at < now).order_by(
            Meeting.starts_at.desc(), Meeting.id.desc()
        )
    listed = paginate(query, page=page, per_page=per_page)
    return list(listed.items), listed.total or 0


def next_meetings(user: User, limit: int = 3) -> list[Meeting]:
    query = meetings_query(user)
    if query is None:
        return []
    return list(
        db.session.scalars(
            query.where(Meeting.ends_at >= utcnow(), Meeting.status == MeetingStatus.SCHEDULED)
            .order_by(Meeting.starts_at)
            .limit(limit)
        )
    )


# --- Checks ---------------------------------------------------------------------------


def _check_details(details: MeetingDetails, area_id: int) -> None:
    if details.end <= details.start:
        raise ServiceError(END_BEFORE_START, field="end_time")
    if not (details.venue or details.online_link):
        raise ServiceError(NO_PLACE, field="venue")
    if details.chair_id is not None:
        chair = db.session.get(User, details.chair_id)
        if (
            chair is None
            or chair.role != Role.CHAIR
            or chair.area_id != area_id
            or not chair.active
        ):
            raise ServiceError(CHAIR_NOT_OF_AREA, field="chair")


def _check_version(meeting: Meeting, version: int | None) -> None:
    if version is not None and version != meeting.version:
        raise ConflictError(
            "Someone else changed this meeting while you were editing it. Check what is "
            "saved now, then make your changes again"
        )


# --- Scheduling ---------------------------------------------------------------------------


def create_meeting(area: MaracArea, details: MeetingDetails, *, actor: User) -> Meeting:
    """A one-off or emergency meeting of ``area``. Raises ServiceError on a rule broken."""
    _check_details(details, area.id)
    if details.starts_at() < utcnow():
        raise ServiceError("The meeting date must be today or in the future", field="day")
    meeting = Meeting(
        area_id=area.id,
        kind=details.kind,
        starts_at=details.starts_at(),
        ends_at=details.ends_at(),
        venue=details.venue,
        online_link=details.online_link,
        chair_id=details.chair_id,
    )
    db.session.add(meeting)
    db.session.flush()
    record(
        AuditAction.MEETING_CREATED,
        actor=actor,
        object_type="meeting",
        object_id=meeting.id,
        detail=f"kind={meeting.kind.value}",
    )
    return meeting


def create_series(
    area: MaracArea, details: MeetingDetails, recurrence: Recurrence, *, actor: User
) -> tuple[MeetingSeries, list[Meeting]]:
    """A recurring series and its meetings (expanded in Europe/London wall-clock time)."""
    _check_details(details, area.id)
    rule = recurrence.to_rrule()
    starts = [s for s in occurrences(rule, details.day, details.start) if s >= utcnow()]
    if not starts:
        raise ServiceError(
            "The repeat pattern gives no meetings from the first date onwards", field="count"
        )
    duration = details.ends_at() - details.starts_at()
    series = MeetingSeries(
        area_id=area.id,
        rrule=rule,
        first_starts_at=starts[0],
        duration_minutes=int(duration.total_seconds() // 60),
        venue=details.venue,
        online_link=details.online_link,
        chair_id=details.chair_id,
    )
    db.session.add(series)
    db.session.flush()
    meetings = []
    for start in starts:
        end = datetime.combine(start.date(), details.end, tzinfo=LONDON)
        meeting = Meeting(
            area_id=area.id,
            series_id=series.id,
            kind=MeetingKind.REGULAR,
            starts_at=start,
            ends_at=end,
            venue=details.venue,
            online_link=details.online_link,
            chair_id=details.chair_id,
        )
        db.session.add(meeting)
        meetings.append(meeting)
    db.session.flush()
    record(
        AuditAction.MEETING_SERIES_CREATED,
        actor=actor,
        object_type="meeting_series",
        object_id=series.id,
        detail=f"occurrences={len(meetings)}",
    )
    return series, meetings


def _changed_fields(
    meeting: Meeting, starts: datetime, ends: datetime, details: MeetingDetails
) -> list[str]:
    changed = []
    if meeting.starts_at != starts:
        changed.append("starts_at")
    if meeting.ends_at != ends:
        changed.append("ends_at")
    for name in ("venue", "online_link", "chair_id"):
        if getattr(meeting, name) != getattr(details, name):
            changed.append(name)
    return changed


def _apply(
    meeting: Meeting, starts: datetime, ends: datetime, details: MeetingDetails, actor: User
) -> bool:
    changed = _changed_fields(meeting, starts, ends, details)
    if not changed:
        return False
    meeting.starts_at, meeting.ends_at = starts, ends
    meeting.venue, meeting.online_link = details.venue, details.online_link
    meeting.chair_id = details.chair_id
    meeting.ical_sequence += 1
    db.session.flush()
    record(
        AuditAction.MEETING_UPDATED,
        actor=actor,
        object_type="meeting",
        object_id=meeting.id,
        detail="changed: " + ", ".join(changed),
    )
    return True


def update_meeting(
    meeting: Meeting,
    details: MeetingDetails,
    *,
    version: int | None,
    actor: User,
    whole_series: bool = False,
) -> list[Meeting]:
    """Change one meeting, or (``whole_series``) it and every later scheduled occurrence of
    its series; later occurrences keep their own dates and take the new times, venue, link
    and chair. Live invitees of each changed meeting get an update (higher SEQUENCE).

    Returns the meetings changed. Raises ConflictError on a stale ``version``.
    """
    _check_version(meeting, version)
    if meeting.is_cancelled:
        raise ServiceError("A cancelled meeting cannot be changed")
    _check_details(details, meeting.area_id)
    targets: list[tuple[Meeting, datetime, datetime]] = [
        (meeting, details.starts_at(), details.ends_at())
    ]
    if whole_series and meeting.series_id is not None:
        later = db.session.scalars(
            sa.select(Meeting)
            .where(
                Meeting.series_id == meeting.series_id,
                Meeting.id != meeting.id,
                Meeting.starts_at > meeting.starts_at,
                Meeting.status == MeetingStatus.SCHEDULED,
            )
            .order_by(Meeting.starts_at)
        )
        for other in later:
            day = other.starts_at.astimezone(LONDON).date()
            targets.append((other, details.starts_at(day), details.ends_at(day)))
        series = meeting.series
        if series is not None:
            series.venue, series.online_link = details.venue, details.online_link
            series.chair_id = details.chair_id
            series.duration_minutes = int(
                (details.ends_at() - details.starts_at()).total_seconds() // 60
            )
    changed = [m for m, starts, ends in targets if _apply(m, starts, ends, details, actor)]
    for m in changed:
        send_to_invitees(m, "REQUEST", actor=actor)
    return changed


def cancel_meeting(meeting: Meeting, reason: str, *, version: int | None, actor: User) -> None:
    """Cancel ``meeting`` with ``reason`` and send METHOD:CANCEL to every live invitee."""
    _check_version(meeting, version)
    if meeting.is_cancelled:
        raise ServiceError("This meeting has already been cancelled")
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_reason = reason
    meeting.ical_sequence += 1
    db.session.flush()
    record(AuditAction.MEETING_CANCELLED, actor=actor, object_type="meeting", object_id=meeting.id)
    send_to_invitees(meeting, "CANCEL", actor=actor)


# --- Invitations ----------------------------------------------------------------------------


def invite(meeting: Meeting, user_ids: Sequence[int], *, actor: User) -> list[Invitation]:
    """Invite the people in ``user_ids`` and email each a calendar REQUEST.

    All or nothing: if anyone may not be invited (not a candidate, or their agency is not
    signed up to the information-sharing protocol) a ServiceError names every reason and
    nobody is invited. People already invited are skipped.
    """
    if meeting.is_cancelled:
        raise ServiceError("A cancelled meeting cannot have new invitations")
    if not user_ids:
        raise ServiceError(NOBODY_TO_INVITE, field="people")
    people = choose_signed_up_people(
        user_ids, invitation_candidates(meeting), refused="cannot be invited"
    )
    existing = {
        i.user_id: i
        for i in db.session.scalars(
            sa.select(Invitation).where(Invitation.meeting_id == meeting.id)
        )
    }
    invited: list[Invitation] = []
    for person in people:
        invitation = existing.get(person.id)
        if invitation is not None and invitation.revoked_at is None:
            continue
        if invitation is None:
            invitation = Invitation(
                meeting_id=meeting.id,
                user_id=person.id,
                agency_id=person.agency_id,
                invited_by_id=actor.id,
            )
            db.session.add(invitation)
        else:  # invited again after being removed
            invitation.revoked_at = None
            invitation.invited_by_id = actor.id
        invited.append(invitation)
    db.session.flush()
    for invitation in invited:
        record(
            AuditAction.MEETING_INVITATION_CREATED,
            actor=actor,
            object_type="invitation",
            object_id=invitation.id,
            detail=f"meeting={meeting.id}",
        )
    _send(meeting, "REQUEST", invited, actor=actor)
    return invited


def revoke_invitation(invitation: Invitation, *, actor: User) -> None:
    """Remove a person's invitation: their access ends and they are sent a CANCEL."""
    if invitation.revoked_at is not None:
        return
    invitation.revoked_at = utcnow()
    meeting = invitation.meeting
    meeting.ical_sequence += 1
    db.session.flush()
    record(
        AuditAction.MEETING_INVITATION_REVOKED,
        actor=actor,
        object_type="invitation",
        object_id=invitation.id,
        detail=f"meeting={meeting.id}",
    )
    _send(meeting, "CANCEL", [invitation], actor=actor, force_cancel=True)


# --- Email ---------------------------------------------------------------------------------


def send_to_invitees(meeting: Meeting, method: str, *, actor: User) -> int:
    """Email ``method`` (REQUEST or CANCEL) to every live invitee; return how many."""
    invitations = live_invitations(meeting)
    _send(meeting, method, invitations, actor=actor)
    return len(invitations)


def _when(meeting: Meeting) -> str:
    starts = meeting.starts_at.astimezone(LONDON)
    ends = meeting.ends_at.astimezone(LONDON)
    return f"{starts:%A %-d %B %Y}, {starts:%H:%M} to {ends:%H:%M} (UK time)"


def _body(meeting: Meeting, method: str, person: User, link: str) -> tuple[str, str]:
    summary = meeting_summary(meeting)
    where = "\n".join(
        filter(
            None,
            [
                f"Venue: {meeting.venue}" if meeting.venue else None,
                f"Online: {meeting.online_link}" if meeting.online_link else None,
            ],
        )
    )
    if method == "CANCEL":
        if meeting.is_cancelled:
            subject = f"Cancelled: {summary}, {meeting.starts_at.astimezone(LONDON):%-d %B %Y}"
            intro = "This meeting has been cancelled."
        else:
            subject = (
                f"Invitation withdrawn: {summary}, {meeting.starts_at.astimezone(LONDON):%-d %B %Y}"
            )
            intro = "You are no longer invited to this meeting."
    elif meeting.ical_sequence > 0:
        subject = f"Updated: {summary}, {meeting.starts_at.astimezone(LONDON):%-d %B %Y}"
        intro = "The details of this meeting have changed."
    else:
        subject = f"Invitation: {summary}, {meeting.starts_at.astimezone(LONDON):%-d %B %Y}"
        intro = "You are invited to this meeting."
    body = (
        f"Hello {person.name},\n\n{intro}\n\n{summary}\n{_when(meeting)}\n{where}\n\n"
        f"The meeting page in MARAC Manager: {link}\n\n"
        "This meeting is confidential. The case list is circulated separately and is "
        "not part of this email.\n"
    )
    return subject, body


def _send(
    meeting: Meeting,
    method: str,
    invitations: Iterable[Invitation],
    *,
    actor: User,
    force_cancel: bool = False,
) -> None:
    config = current_app.config
    organizer = config["MAIL_FROM"]
    link = f"{config['PUBLIC_BASE_URL'].rstrip('/')}/meetings/{meeting.id}"
    invitations = list(invitations)
    # People invited to the whole series hold this meeting as an occurrence of the series'
    # recurring event: they are sent that occurrence (series UID, RECURRENCE-ID), never a
    # second event under the meeting's own UID.
    slot = slot_of(meeting) if any(i.via_series for i in invitations) else None
    sent = 0
    for invitation in invitations:
        person = invitation.user
        alarm = reminders.minutes_for(person)
        if invitation.via_series and slot is not None and meeting.series is not None:
            calendar = occurrence_to_ical(
                meeting.series,
                slot,
                method,
                person,
                sequence=series_sequence(meeting.series),
                organizer=organizer,
                alarm_minutes=alarm,
            )
        else:
            calendar = meeting_to_ical(
                meeting, method, [person], organizer=organizer, alarm_minutes=alarm
            )
        subject, body = _body(meeting, method, person, link)
        message = mail.build_message(
            person.email, subject, body, calendar=calendar, calendar_method=method
        )
        message[MEETING_HEADER] = str(meeting.id)
        try:
            mail.send(message)
        except (OSError, smtplib.SMTPException) as error:
            logger.warning(
                "meeting email failed meeting=%s invitation=%s", meeting.id, invitation.id
            )
            raise ServiceError(
                "The invitation emails could not be sent, so nothing was saved. Try again later"
            ) from error
        invitation.last_sent_sequence = meeting.ical_sequence
        sent += 1
    if sent or force_cancel:
        db.session.flush()
        record(
            AuditAction.MEETING_EMAIL_SENT,
            actor=actor,
            object_type="meeting",
            object_id=meeting.id,
            detail=f"method={method} sequence={meeting.ical_sequence} recipients={sent}",
        )


def default_times() -> tuple[time, time]:
    return time(10, 0), time(13, 0)


def tomorrow() -> date:
    return london_today() + timedelta(days=1)
