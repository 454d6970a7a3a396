"""Inviting people to every future meeting of a series in one step.

Each person gets an invitation to each future scheduled meeting of the series (people already
invited to a meeting keep that invitation) and ONE email with ONE calendar REQUEST: the
series as a recurring event (see ``ical.series_to_ical``). Later changes and cancellations of
a single meeting reach them as instances of that event (``services._send``). Services flush,
never commit; the audit event holds counts only; the email carries no case information.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from marac_app import mail
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.errors import ServiceError
from marac_app.common.time import LONDON
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings import reminders
from marac_app.meetings.ical import meeting_summary, series_to_ical
from marac_app.meetings.models import Invitation, MeetingSeries
from marac_app.meetings.services import (
    MEETING_HEADER,
    NOBODY_TO_INVITE,
    invitation_candidates,
)
from marac_app.meetings.slots import Slot, series_sequence, series_slots
from marac_app.protocol.services import choose_signed_up_people

logger = logging.getLogger(__name__)

SERIES_HEADER = "X-MARAC-Series"
NO_FUTURE_MEETINGS = "This series has no future meetings to invite people to"


@dataclass(frozen=True)
class SeriesInvitations:
    """What inviting to a series did: people emailed, invitations made, meetings covered."""

    emailed: list[User]
    invitations: int
    meetings: int


def future_slots(series: MeetingSeries) -> list[Slot]:
    """The slots whose meeting is still to come and not cancelled, in order."""
    now = utcnow()
    return [
        slot
        for slot in series_slots(series)
        if slot.meeting.starts_at > now and not slot.meeting.is_cancelled
    ]


def series_candidates(series: MeetingSeries) -> list[User]:
    """The people who may be invited to the series (as to any meeting of its area), less
    those already invited to every future meeting of it."""
    slots = future_slots(series)
    if not slots:
        return []
    ids = [slot.meeting.id for slot in slots]
    live = db.session.execute(
        sa.select(Invitation.user_id, sa.func.count(Invitation.id))
        .where(Invitation.meeting_id.in_(ids), Invitation.revoked_at.is_(None))
        .group_by(Invitation.user_id)
    ).all()
    everywhere = {user_id for user_id, count in live if count >= len(ids)}
    return [p for p in invitation_candidates(slots[0].meeting) if p.id not in everywhere]


def invite_series(
    series: MeetingSeries, user_ids: Sequence[int], *, actor: User
) -> SeriesInvitations:
    """Invite the people in ``user_ids`` to every future scheduled meeting of ``series`` and
    email each person the series as one calendar REQUEST.

    All or nothing, with the same checks as inviting to one meeting (a candidate of the
    area, agency signed up to the protocol): a ServiceError names every problem and nobody is
    invited. Meetings a person is already invited to are skipped (they keep that invitation
    and its own calendar event); a person with nothing new is not emailed. Audited once with
    counts. Raises ServiceError when mail cannot be sent (nothing is then saved).
    """
    slots = future_slots(series)
    if not slots:
        raise ServiceError(NO_FUTURE_MEETINGS)
    if not user_ids:
        raise ServiceError(NOBODY_TO_INVITE, field="people")
    people = choose_signed_up_people(
        user_ids, invitation_candidates(slots[0].meeting), refused="cannot be invited"
    )
    meeting_ids = [slot.meeting.id for slot in slots]
    existing = {
        (i.meeting_id, i.user_id): i
        for i in db.session.scalars(
            sa.select(Invitation).where(
                Invitation.meeting_id.in_(meeting_ids),
                Invitation.user_id.in_([p.id for p in people]),
            )
        )
    }
    made = 0
    fresh: dict[int, list[Invitation]] = {}
    for person in people:
        for slot in slots:
            invitation = existing.get((slot.meeting.id, person.id))
            if invitation is not None and invitation.revoked_at is None:
                continue
            if invitation is None:
                invitation = Invitation(
                    meeting_id=slot.meeting.id,
                    user_id=person.id,
                    agency_id=person.agency_id,
                    invited_by_id=actor.id,
                    via_series=True,
                )
                db.session.add(invitation)
                existing[(slot.meeting.id, person.id)] = invitation
            else:  # invited again after being removed
                invitation.revoked_at = None
                invitation.invited_by_id = actor.id
                invitation.via_series = True
            fresh.setdefault(person.id, []).append(invitation)
            made += 1
    db.session.flush()
    emailed = [person for person in people if person.id in fresh]
    sequence = series_sequence(series)
    for person in emailed:
        held = {
            slot.meeting.id
            for slot in slots
            if (i := existing.get((slot.meeting.id, person.id))) is not None
            and i.revoked_at is None
            and i.via_series
        }
        _email(series, slots, held, person, sequence=sequence)
        for meeting_id in held:
            sent = existing[(meeting_id, person.id)]
            sent.last_sent_sequence = sent.meeting.ical_sequence
    db.session.flush()
    record(
        AuditAction.MEETING_SERIES_INVITATIONS_CREATED,
        actor=actor,
        object_type="meeting_series",
        object_id=series.id,
        detail=f"people={len(emailed)} invitations={made} meetings={len(slots)}",
    )
    return SeriesInvitations(emailed=emailed, invitations=made, meetings=len(slots))


def _line(slot: Slot) -> str:
    meeting = slot.meeting
    starts = meeting.starts_at.astimezone(LONDON)
    ends = meeting.ends_at.astimezone(LONDON)
    place = ", ".join(filter(None, [meeting.venue, meeting.online_link]))
    return f"- {starts:%A %-d %B %Y}, {starts:%H:%M} to {ends:%H:%M} (UK time): {place}"


def _email(
    series: MeetingSeries, slots: list[Slot], held: set[int], person: User, *, sequence: int
) -> None:
    config = current_app.config
    mine = [slot for slot in slots if slot.meeting.id in held]
    first = mine[0].meeting
    summary = meeting_summary(first)
    count = f"{len(mine)} meeting{'s' if len(mine) != 1 else ''}"
    subject = f"Invitation: {summary}, {count} from {first.starts_at.astimezone(LONDON):%-d %B %Y}"
    link = f"{config['PUBLIC_BASE_URL'].rstrip('/')}/meetings/{first.id}"
    body = (
        f"Hello {person.name},\n\nYou are invited to every future meeting of this series "
        f"({count}).\n\n{summary}\n" + "\n".join(_line(slot) for slot in mine) + "\n\n"
        f"The first meeting's page in MARAC Manager: {link}\n\n"
        "These meetings are confidential. The case list is circulated separately and is "
        "not part of this email.\n"
    )
    calendar = series_to_ical(
        series,
        series_slots(series),
        held,
        person,
        sequence=sequence,
        organizer=config["MAIL_FROM"],
        alarm_minutes=reminders.minutes_for(person),
    )
    message = mail.build_message(
        person.email, subject, body, calendar=calendar, calendar_method="REQUEST"
    )
    message[MEETING_HEADER] = str(first.id)
    message[SERIES_HEADER] = str(series.id)
    try:
        mail.send(message)
    except (OSError, smtplib.SMTPException) as error:
        logger.warning("series email failed series=%s user=%s", series.id, person.id)
        raise ServiceError(
            "The invitation emails could not be sent, so nothing was saved. Try again later"
        ) from error
