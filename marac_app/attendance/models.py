"""Opening a meeting: the statement read, who attended, and who acknowledged it.

- ``MeetingOpening``: the chair marked version N of the confidentiality statement as read
  at this meeting (one row per meeting; marking a newer version again updates it).
- ``Attendance``: one person's attendance (present, apologies with "information sent",
  absent), either an invited user or a name typed by the chair for someone without an
  account, always on behalf of an agency.
- ``Observer``: someone attending with the chair's agreement who does not represent a MARAC
  agency (a student, an inspector); recorded separately.
- ``ConfidentialityAcknowledgement``: a present person or observer acknowledged a version of
  the statement — when, and how (on their own device, or recorded by the chair for them).
- ``CaseDeferral``: a case the chair deferred from this meeting to the area's next one.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marac_app.agencies.models import Agency
from marac_app.auth.models import User
from marac_app.db import Model, UTCDateTime, created_at, intpk, str_enum, str_short, utcnow
from marac_app.meetings.models import Meeting
from marac_app.referrals.models import Case


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    APOLOGIES = "apologies"
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return ATTENDANCE_LABELS[self]


ATTENDANCE_LABELS = {
    AttendanceStatus.PRESENT: "Present",
    AttendanceStatus.APOLOGIES: "Sent apologies",
    AttendanceStatus.ABSENT: "Absent",
}


class AcknowledgementMethod(enum.StrEnum):
    OWN_DEVICE = "own_device"
    RECORDED_BY_CHAIR = "recorded_by_chair"

    @property
    def label(self) -> str:
        return METHOD_LABELS[self]


METHOD_LABELS = {
    AcknowledgementMethod.OWN_DEVICE: "On their own device",
    AcknowledgementMethod.RECORDED_BY_CHAIR: "Recorded by the chair on their behalf",
}


class MeetingOpening(Model):
    """The chair marked the confidentiality statement read at the start of a meeting."""

    __tablename__ = "meeting_opening"

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), unique=True
    )
    statement_id: Mapped[int] = mapped_column(sa.ForeignKey("confidentiality_statement.id"))
    statement_version: Mapped[int]
    read_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    read_by: Mapped[User] = relationship()


class Attendance(Model):
    """One person's attendance at a meeting, for an agency."""

    __tablename__ = "meeting_attendance"

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    # None for someone without an account (the chair typed their name).
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    name: Mapped[str_short]
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(str_enum(AttendanceStatus, length=16))
    # Only for apologies: did they send their agency's information before the meeting?
    information_sent: Mapped[bool | None] = mapped_column()
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[created_at]

    agency: Mapped[Agency] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)


class Observer(Model):
    """Someone observing the meeting with the chair's agreement."""

    __tablename__ = "meeting_observer"

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str_short]
    organisation: Mapped[str_short]
    chair_agreed: Mapped[bool] = mapped_column(default=False)
    # Who recorded the chair's agreement (the chair, or the coordinator for them).
    agreement_recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[created_at]


class ConfidentialityAcknowledgement(Model):
    """A present person (``attendance``) or an ``observer`` acknowledged a statement version.

    Exactly one of ``attendance_id`` and ``observer_id`` is set. ``recorded_by_id`` is the
    person themselves (own device) or the chair who recorded it for them.
    """

    __tablename__ = "confidentiality_acknowledgement"

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    attendance_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_attendance.id", ondelete="CASCADE")
    )
    observer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_observer.id", ondelete="CASCADE")
    )
    statement_id: Mapped[int] = mapped_column(sa.ForeignKey("confidentiality_statement.id"))
    statement_version: Mapped[int]
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    method: Mapped[AcknowledgementMethod] = mapped_column(
        str_enum(AcknowledgementMethod, length=24)
    )
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    recorded_by: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("attendance_id", "statement_version"),
        sa.UniqueConstraint("observer_id", "statement_version"),
        sa.CheckConstraint("(attendance_id IS NULL) <> (observer_id IS NULL)", name="one_person"),
    )


class CaseDeferral(Model):
    """The chair deferred a case from one meeting to the next meeting of the same area.

    The case leaves ``from_meeting``'s list (it was not discussed there: no minutes, so the
    SafeLives return does not count it twice) and joins the end of ``to_meeting``'s. This row
    is what the first meeting's run page and minutes show: which case, to when, and why.
    ``reason`` is plain text (autoescaped), about the hearing, never narrative of the case.
    """

    __tablename__ = "case_deferral"

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("marac_case.id"), index=True)
    from_meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    to_meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(500))
    deferred_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    deferred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship()
    to_meeting: Mapped[Meeting] = relationship(foreign_keys=[to_meeting_id])
    deferred_by: Mapped[User] = relationship()
