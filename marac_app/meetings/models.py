"""MARAC meetings and recurring series.

Times are stored in UTC and shown in Europe/London. Every meeting has a stable iCalendar UID
and a SEQUENCE that goes up on every change sent to attendees.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marac_app.agencies.models import MaracArea
from marac_app.auth.models import User
from marac_app.db import Model, UTCDateTime, created_at, intpk, str_enum, updated_at


class MeetingKind(enum.StrEnum):
    REGULAR = "regular"
    EMERGENCY = "emergency"


class MeetingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


def new_ical_uid() -> str:
    return f"{uuid.uuid4()}@marac-manager"


class MeetingSeries(Model):
    """A recurring schedule ("every 4 weeks", "monthly on the second Tuesday") as an RRULE.

    ``first_starts_at`` is the first occurrence (UTC); occurrences are expanded in
    Europe/London so a 10:00 meeting stays at 10:00 across the clock change.
    """

    __tablename__ = "meeting_series"

    id: Mapped[intpk]
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("marac_area.id"), index=True)
    rrule: Mapped[str] = mapped_column(sa.String(255))
    first_starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int]
    venue: Mapped[str | None] = mapped_column(sa.String(255))
    online_link: Mapped[str | None] = mapped_column(sa.String(500))
    chair_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # The iCalendar UID of the series as one recurring event (invitations to the whole
    # series); each meeting keeps its own UID for people invited to it alone.
    ical_uid: Mapped[str] = mapped_column(sa.String(100), unique=True, default=new_ical_uid)
    created_at: Mapped[created_at]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    area: Mapped[MaracArea] = relationship()
    chair: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class Meeting(Model):
    """One MARAC meeting of an area (an occurrence of a series, a one-off, or an emergency)."""

    __tablename__ = "meeting"

    id: Mapped[intpk]
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("marac_area.id"), index=True)
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting_series.id"), index=True)
    kind: Mapped[MeetingKind] = mapped_column(str_enum(MeetingKind), default=MeetingKind.REGULAR)
    status: Mapped[MeetingStatus] = mapped_column(
        str_enum(MeetingStatus), default=MeetingStatus.SCHEDULED
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    venue: Mapped[str | None] = mapped_column(sa.String(255))
    online_link: Mapped[str | None] = mapped_column(sa.String(500))
    chair_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    cancelled_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # iCalendar identity: the UID never changes; SEQUENCE goes up with every update sent.
    ical_uid: Mapped[str] = mapped_column(sa.String(100), unique=True, default=new_ical_uid)
    ical_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    area: Mapped[MaracArea] = relationship()
    series: Mapped[MeetingSeries | None] = relationship()
    chair: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (sa.Index("ix_meeting_area_starts", "area_id", "starts_at"),)

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED


class Invitation(Model):
    """A person invited to a meeting (only people whose agency is signed up to the ISP).

    A revoked invitation (``revoked_at`` set) gives no access. Agency representatives see the
    cases on the agendas of meetings they hold a live invitation to, and no others.
    """

    __tablename__ = "invitation"

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    invited_at: Mapped[created_at]
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The SEQUENCE of the last calendar message this person was sent.
    last_sent_sequence: Mapped[int | None] = mapped_column()
    # True when the person holds this meeting as an occurrence of the series' recurring event
    # (invited to the whole series): later changes go to them with the series UID and a
    # RECURRENCE-ID, not the meeting's own UID.
    via_series: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    meeting: Mapped[Meeting] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)


class CalendarFeedToken(Model):
    """A secret that lets a calendar program read one user's meetings feed without signing in.

    Only the SHA-256 of the token is stored; the token itself is shown once. Revoking (or
    generating a new one) sets ``revoked_at`` and the old address answers 404 from then on.
    """

    __tablename__ = "calendar_feed_token"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[created_at]
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class AccountInvitation(Model):
    """An account a coordinator made to invite someone who had none (issue 15).

    The account is an agency representative of the coordinator's area, invited to
    ``meeting``. This row records who made it, so admins can find such accounts ("Invited by
    a coordinator" on the users list) and disable them; one row per account.
    """

    __tablename__ = "account_invitation"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("marac_area.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[created_at]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])


class CalendarReminder(Model):
    """The reminder a person chose for their meeting invitations and calendar feed (a VALARM
    ``minutes`` before each meeting; no row = no reminder). Issue 16."""

    __tablename__ = "calendar_reminder"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    minutes: Mapped[int]
    updated_at: Mapped[updated_at]
