"""Opening a meeting and the confidentiality gate.

``gate_problems(meeting)`` lists, in plain words, what stops cases being discussed at a
meeting; ``require_gate_open(meeting)`` raises ``ServiceError`` with the first of them. Other
features (minutes, the live case list) call these before a case is opened or a minute
recorded. Services flush, never commit; every change is audited here, in the same
transaction.
"""

from __future__ import annotations

import sqlalchemy as sa

from marac_app.agencies.models import Agency
from marac_app.agencies.queries import agencies_of_area
from marac_app.attendance.models import (
    AcknowledgementMethod,
    Attendance,
    AttendanceStatus,
    ConfidentialityAcknowledgement,
    MeetingOpening,
    Observer,
)
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.errors import ConflictError, ServiceError
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Invitation, Meeting
from marac_app.protocol.models import ConfidentialityStatement
from marac_app.protocol.services import current_statement, require_signed_up, signup_problem
from marac_app.referrals.models import AgendaItem
from marac_app.referrals.services import case_list as referrals_case_list

NOT_READ = "The chair has not marked the confidentiality statement as read"
NO_ONE_PRESENT = "No one has been marked present"
NO_STATEMENT = "No confidentiality statement has been set up"
CANCELLED = "This meeting has been cancelled"


# --- Reading ---------------------------------------------------------------------------


def opening_of(meeting: Meeting) -> MeetingOpening | None:
    return db.session.scalar(
        sa.select(MeetingOpening).where(MeetingOpening.meeting_id == meeting.id)
    )


def attendance_of(meeting: Meeting) -> list[Attendance]:
    """Everyone recorded for ``meeting``, by name."""
    return list(
        db.session.scalars(
            sa.select(Attendance)
            .where(Attendance.meeting_id == meeting.id)
            .order_by(Attendance.name, Attendance.id)
        )
    )


def observers_of(meeting: Meeting) -> list[Observer]:
    return list(
        db.session.scalars(
            sa.select(Observer)
            .where(Observer.meeting_id == meeting.id)
            .order_by(Observer.name, Observer.id)
        )
    )


def invitees_of(meeting: Meeting) -> list[User]:
    """People holding a live invitation to ``meeting``, by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Invitation, Invitation.user_id == User.id)
            .where(Invitation.meeting_id == meeting.id, Invitation.revoked_at.is_(None))
            .order_by(User.name)
        )
    )


def attendance_for_user(meeting: Meeting, user: User) -> Attendance | None:
    return db.session.scalar(
        sa.select(Attendance).where(
            Attendance.meeting_id == meeting.id, Attendance.user_id == user.id
        )
    )


def acknowledgements_of(meeting: Meeting) -> list[ConfidentialityAcknowledgement]:
    return list(
        db.session.scalars(
            sa.select(ConfidentialityAcknowledgement)
            .where(ConfidentialityAcknowledgement.meeting_id == meeting.id)
            .order_by(ConfidentialityAcknowledgement.acknowledged_at)
        )
    )


def required_version(meeting: Meeting) -> int | None:
    """The statement version people must acknowledge: the one the chair marked read, or
    (before that) the current one."""
    opening = opening_of(meeting)
    if opening is not None:
        return opening.statement_version
    statement = current_statement()
    return statement.version_number if statement else None


def acknowledgement_for(
    meeting: Meeting, *, attendance: Attendance | None = None, observer: Observer | None = None
) -> ConfidentialityAcknowledgement | None:
    """The acknowledgement of the version this meeting requires, if made."""
    version = required_version(meeting)
    if version is None:
        return None
    query = sa.select(ConfidentialityAcknowledgement).where(
        ConfidentialityAcknowledgement.meeting_id == meeting.id,
        ConfidentialityAcknowledgement.statement_version == version,
    )
    if attendance is not None:
        query = query.where(ConfidentialityAcknowledgement.attendance_id == attendance.id)
    elif observer is not None:
        query = query.where(ConfidentialityAcknowledgement.observer_id == observer.id)
    else:
        return None
    return db.session.scalar(query)


def area_agencies(meeting: Meeting) -> list[Agency]:
    """Active agencies taking part in the meeting's area (for "add someone present")."""
    return agencies_of_area(meeting.area_id)


def case_list(meeting: Meeting) -> list[AgendaItem]:
    """The meeting's case list, in order, without cases under restriction of processing
    (the one rule lives in referrals.services.case_list)."""

    return referrals_case_list(meeting)


# --- The gate --------------------------------------------------------------------------


def gate_problems(meeting: Meeting) -> list[str]:
    """What is missing before cases can be discussed at ``meeting`` (empty when open).

    In order: the meeting is not cancelled; a statement exists and the chair marked the
    current version read; someone is present; every present person's agency is still signed
    up; every present person and every observer acknowledged the version read.
    """
    if meeting.is_cancelled:
        return [CANCELLED]
    problems: list[str] = []
    statement = current_statement()
    opening = opening_of(meeting)
    if statement is None:
        problems.append(NO_STATEMENT)
    elif opening is None:
        problems.append(NOT_READ)
    elif opening.statement_version != statement.version_number:
        problems.append(
            f"The confidentiality statement has changed since it was read: the chair must "
            f"mark version {statement.version_number} as read"
        )
    version = (
        opening.statement_version
        if opening is not None
        else statement.version_number
        if statement is not None
        else None
    )
    acknowledged_attendance: set[int] = set()
    acknowledged_observers: set[int] = set()
    if version is not None:
        for ack in db.session.scalars(
            sa.select(ConfidentialityAcknowledgement).where(
                ConfidentialityAcknowledgement.meeting_id == meeting.id,
                ConfidentialityAcknowledgement.statement_version == version,
            )
        ):
            if ack.attendance_id is not None:
                acknowledged_attendance.add(ack.attendance_id)
            if ack.observer_id is not None:
                acknowledged_observers.add(ack.observer_id)
    present = [a for a in attendance_of(meeting) if a.status == AttendanceStatus.PRESENT]
    if not present:
        problems.append(NO_ONE_PRESENT)
    for person in present:
        reason = signup_problem(person.agency)
        if reason:
            problems.append(f"{person.name} cannot take part: {reason}")
        if person.id not in acknowledged_attendance:
            problems.append(f"{person.name} has not acknowledged the confidentiality statement")
    for observer in observers_of(meeting):
        if observer.id not in acknowledged_observers:
            problems.append(
                f"{observer.name} (observer) has not acknowledged the confidentiality statement"
            )
    return problems


def require_gate_open(meeting: Meeting) -> None:
    """Raise ``ServiceError`` with the first missing step when the gate is closed."""
    problems = gate_problems(meeting)
    if problems:
        raise ServiceError(problems[0])


# --- Changes ---------------------------------------------------------------------------


def _statement_or_error() -> ConfidentialityStatement:
    statement = current_statement()
    if statement is None:
        raise ServiceError(NO_STATEMENT)
    return statement


def _refuse_cancelled(meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise ServiceError(CANCELLED)


def mark_statement_read(
    meeting: Meeting, *, shown_version: int | None, actor: User
) -> MeetingOpening:
    """Record that ``actor`` (the chair) read version ``shown_version`` to the meeting.

    Raises ``ConflictError`` when the statement changed since the page was shown.
    """
    _refuse_cancelled(meeting)
    statement = _statement_or_error()
    if shown_version != statement.version_number:
        raise ConflictError(
            f"The confidentiality statement has changed since this page was opened. Read "
            f"version {statement.version_number} below, then mark it as read"
        )
    opening = opening_of(meeting)
    if opening is None:
        opening = MeetingOpening(meeting_id=meeting.id)
        db.session.add(opening)
    opening.statement_id = statement.id
    opening.statement_version = statement.version_number
    opening.read_by_id = actor.id
    opening.read_at = utcnow()
    db.session.flush()
    record(
        AuditAction.CONFIDENTIALITY_STATEMENT_MARKED_READ,
        actor=actor,
        object_type="meeting",
        object_id=meeting.id,
        detail=f"statement_version={statement.version_number}",
    )
    return opening


def record_invitee_attendance(
    meeting: Meeting,
    invitee: User,
    *,
    status: AttendanceStatus,
    information_sent: bool | None,
    actor: User,
) -> Attendance:
    """Record an invited person as present, sending apologies or absent.

    A person whose agency is not signed up cannot be marked present (ServiceError naming
    the reason, field ``status``).
    """
    _refuse_cancelled(meeting)
    if status == AttendanceStatus.PRESENT:
        require_signed_up(invitee.agency, field="status")
    if invitee.agency_id is None:
        raise ServiceError("This person does not belong to an agency", field="status")
    attendance = attendance_for_user(meeting, invitee)
    if attendance is None:
        attendance = Attendance(meeting_id=meeting.id, user_id=invitee.id)
        db.session.add(attendance)
    attendance.name = invitee.name
    attendance.agency_id = invitee.agency_id
    _set_status(attendance, status, information_sent, actor)
    db.session.flush()
    record(
        AuditAction.ATTENDANCE_RECORDED,
        actor=actor,
        object_type="meeting_attendance",
        object_id=attendance.id,
        detail=f"meeting={meeting.id} status={status.value}",
    )
    return attendance


def _set_status(
    attendance: Attendance, status: AttendanceStatus, information_sent: bool | None, actor: User
) -> None:
    if status == AttendanceStatus.APOLOGIES and information_sent is None:
        raise ServiceError(
            "Select whether they sent information before the meeting", field="information_sent"
        )
    attendance.status = status
    attendance.information_sent = information_sent if status == AttendanceStatus.APOLOGIES else None
    attendance.recorded_by_id = actor.id
    attendance.recorded_at = utcnow()


def add_present_person(
    meeting: Meeting, *, name: str, agency: Agency | None, actor: User
) -> Attendance:
    """Record someone present (without an account) for an agency of the meeting's area."""
    _refuse_cancelled(meeting)
    if agency is None or agency.id not in {a.id for a in area_agencies(meeting)}:
        raise ServiceError("Select the agency the person represents", field="agency")
    require_signed_up(agency, field="agency")
    attendance = Attendance(
        meeting_id=meeting.id, user_id=None, name=name.strip(), agency_id=agency.id
    )
    db.session.add(attendance)
    _set_status(attendance, AttendanceStatus.PRESENT, None, actor)
    db.session.flush()
    record(
        AuditAction.ATTENDANCE_RECORDED,
        actor=actor,
        object_type="meeting_attendance",
        object_id=attendance.id,
        detail=f"meeting={meeting.id} status=present added",
    )
    return attendance


def add_observer(
    meeting: Meeting, *, name: str, organisation: str, chair_agreed: bool, actor: User
) -> Observer:
    """Record an observer; refused unless the chair agreed to them attending."""
    _refuse_cancelled(meeting)
    if not chair_agreed:
        raise ServiceError(
            "Confirm that the chair agrees to the observer attending", field="chair_agreed"
        )
    observer = Observer(
        meeting_id=meeting.id,
        name=name.strip(),
        organisation=organisation.strip(),
        chair_agreed=True,
        agreement_recorded_by_id=actor.id,
    )
    db.session.add(observer)
    db.session.flush()
    record(
        AuditAction.OBSERVER_RECORDED,
        actor=actor,
        object_type="meeting_observer",
        object_id=observer.id,
        detail=f"meeting={meeting.id}",
    )
    return observer


def acknowledge(
    meeting: Meeting,
    *,
    actor: User,
    method: AcknowledgementMethod,
    attendance: Attendance | None = None,
    observer: Observer | None = None,
) -> ConfidentialityAcknowledgement:
    """Record that a present person or an observer acknowledged the statement.

    The version acknowledged is the one the chair marked read (or the current one before
    that). Acknowledging twice returns the first acknowledgement unchanged.
    """
    _refuse_cancelled(meeting)
    if (attendance is None) == (observer is None):
        raise ValueError("acknowledge exactly one attendee or observer")
    if attendance is not None and attendance.status != AttendanceStatus.PRESENT:
        raise ServiceError(f"{attendance.name} has not been marked present")
    if attendance is not None:
        require_signed_up(attendance.agency)
    statement = _statement_or_error()
    opening = opening_of(meeting)
    if opening is not None:
        version, statement_id = opening.statement_version, opening.statement_id
    else:
        version, statement_id = statement.version_number, statement.id
    existing = acknowledgement_for(meeting, attendance=attendance, observer=observer)
    if existing is not None:
        return existing
    ack = ConfidentialityAcknowledgement(
        meeting_id=meeting.id,
        attendance_id=attendance.id if attendance is not None else None,
        observer_id=observer.id if observer is not None else None,
        statement_id=statement_id,
        statement_version=version,
        method=method,
        acknowledged_at=utcnow(),
        recorded_by_id=actor.id,
    )
    db.session.add(ack)
    db.session.flush()
    record(
        AuditAction.CONFIDENTIALITY_ACKNOWLEDGED,
        actor=actor,
        object_type="confidentiality_acknowledgement",
        object_id=ack.id,
        detail=f"meeting={meeting.id} version={version} method={method.value}",
    )
    return ack
