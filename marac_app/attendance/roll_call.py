"""Attendance at speed: who is expected, everyone present in one step, and several
acknowledgements recorded at once.

- ``expected_people``: the invitees and the chair (the meeting's chair, and the chair who read
  the statement), each once, by name: the attendance list the chair works through.
- ``mark_everyone_present``: everyone expected and not yet recorded is marked present in one
  step (people whose agency is not signed up are left out and named); the chair then changes
  the exceptions one by one.
- ``acknowledge_several``: the chair records, in one step, the acknowledgements of several
  present people and observers who acknowledged the statement aloud. All or nothing.

Services flush, never commit; each row goes through the one-at-a-time service, so it is
checked and audited exactly as it would be alone, in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from marac_app.attendance.models import (
    AcknowledgementMethod,
    Attendance,
    AttendanceStatus,
    ConfidentialityAcknowledgement,
    Observer,
)
from marac_app.attendance.services import (
    CANCELLED,
    acknowledge,
    attendance_of,
    invitees_of,
    opening_of,
    record_invitee_attendance,
)
from marac_app.auth.models import Role, User
from marac_app.common.errors import ServiceError
from marac_app.meetings.models import Meeting
from marac_app.protocol.services import signup_problem

NOTHING_SELECTED = "Select the people who have acknowledged the confidentiality statement"


def _is_area_chair(user: User | None, meeting: Meeting) -> bool:
    return user is not None and user.role == Role.CHAIR and user.area_id == meeting.area_id


def chairs_of(meeting: Meeting) -> list[User]:
    """The meeting's chair and the chair who marked the statement read (if another), who
    belong on the attendance list whether or not they were invited."""
    chairs: list[User] = []
    opening = opening_of(meeting)
    for user in (meeting.chair, opening.read_by if opening is not None else None):
        if _is_area_chair(user, meeting) and user is not None and user not in chairs:
            chairs.append(user)
    return chairs


def expected_people(meeting: Meeting) -> list[User]:
    """The invitees and the chair(s), each once, by name."""
    people = {user.id: user for user in invitees_of(meeting)}
    for chair in chairs_of(meeting):
        people.setdefault(chair.id, chair)
    return sorted(people.values(), key=lambda user: (user.name.lower(), user.id))


@dataclass(frozen=True)
class EveryonePresent:
    """What ``mark_everyone_present`` did: names marked present, and those left out with
    the reason (not signed up, no agency)."""

    marked: list[str] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)


def mark_everyone_present(meeting: Meeting, *, actor: User) -> EveryonePresent:
    """Mark present everyone expected whose attendance is not recorded yet.

    People already recorded (present, apologies or absent) are left as they are. Someone
    whose agency is not signed up to the protocol, or who has no agency, is left out and
    named in the result. Raises ``ServiceError`` for a cancelled meeting.
    """
    if meeting.is_cancelled:
        raise ServiceError(CANCELLED)
    recorded = {row.user_id for row in attendance_of(meeting) if row.user_id is not None}
    result = EveryonePresent()
    for person in expected_people(meeting):
        if person.id in recorded:
            continue
        if person.agency is None:
            result.left_out.append((person.name, "they do not belong to an agency"))
            continue
        problem = signup_problem(person.agency)
        if problem:
            result.left_out.append((person.name, problem))
            continue
        record_invitee_attendance(
            meeting, person, status=AttendanceStatus.PRESENT, information_sent=None, actor=actor
        )
        result.marked.append(person.name)
    return result


def acknowledge_several(
    meeting: Meeting,
    *,
    actor: User,
    attendances: list[Attendance],
    observers: list[Observer],
) -> list[ConfidentialityAcknowledgement]:
    """Record, for each of ``attendances`` and ``observers`` (all of ``meeting``), that the
    chair saw them acknowledge the statement.

    Refused as a whole (``ServiceError``) when nobody is selected (field ``people``) or any
    one of them cannot acknowledge (not present, agency not signed up): the message names them.
    """
    if not attendances and not observers:
        raise ServiceError(NOTHING_SELECTED, field="people")
    acks: list[ConfidentialityAcknowledgement] = []
    for row in attendances:
        try:
            acks.append(
                acknowledge(
                    meeting,
                    actor=actor,
                    method=AcknowledgementMethod.RECORDED_BY_CHAIR,
                    attendance=row,
                )
            )
        except ServiceError as error:
            message = error.message
            if row.name not in message:
                message = f"{row.name}: {message}"
            raise ServiceError(message, field="people") from error
    for observer in observers:
        acks.append(
            acknowledge(
                meeting,
                actor=actor,
                method=AcknowledgementMethod.RECORDED_BY_CHAIR,
                observer=observer,
            )
        )
    return acks
