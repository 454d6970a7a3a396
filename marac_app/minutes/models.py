"""Minute entries, their revisions, the chair's risk summary, approval and amendments.

Rich-text columns (``*_html`` and the risk summary fields) hold limited HTML that has been
through ``marac_app.common.sanitize.sanitize_html`` on write: they are the only values the
templates render with ``|safe``.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marac_app.agencies.models import Agency
from marac_app.auth.models import User
from marac_app.db import Model, UTCDateTime, created_at, intpk, str_enum, updated_at, utcnow
from marac_app.meetings.models import Meeting
from marac_app.minutes.document import (
    SUBJECT_CHILDREN,
    SUBJECT_HOUSEHOLD,
    SUBJECT_PERPETRATOR,
    SUBJECT_VICTIM,
)
from marac_app.referrals.models import AgendaItem

TEXT_MAX = 10_000


class Subject(enum.StrEnum):
    VICTIM = "victim"
    PERPETRATOR = "perpetrator"
    CHILD_OR_VULNERABLE_ADULT = "child_or_vulnerable_adult"
    HOUSEHOLD = "household"

    @property
    def label(self) -> str:
        return SUBJECT_LABELS[self]


SUBJECT_LABELS = {
    Subject.VICTIM: SUBJECT_VICTIM,
    Subject.PERPETRATOR: SUBJECT_PERPETRATOR,
    Subject.CHILD_OR_VULNERABLE_ADULT: SUBJECT_CHILDREN,
    Subject.HOUSEHOLD: SUBJECT_HOUSEHOLD,
}


class EntryKind(enum.StrEnum):
    FACT = "fact"
    PROFESSIONAL_OPINION = "professional_opinion"
    VICTIMS_VIEW = "victims_view"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]

    @property
    def heading(self) -> str:
        return KIND_HEADINGS[self]

    @property
    def tag_class(self) -> str:
        return KIND_TAG_CLASSES[self]


KIND_LABELS = {
    EntryKind.FACT: "Fact",
    EntryKind.PROFESSIONAL_OPINION: "Professional opinion",
    EntryKind.VICTIMS_VIEW: "Victim's view (as relayed by the IDVA)",
}
KIND_HEADINGS = {
    EntryKind.FACT: "Facts",
    EntryKind.PROFESSIONAL_OPINION: "Professional opinion",
    EntryKind.VICTIMS_VIEW: "Victim's view (as relayed by the IDVA)",
}
KIND_TAG_CLASSES = {
    EntryKind.FACT: "govuk-tag--blue",
    EntryKind.PROFESSIONAL_OPINION: "govuk-tag--purple",
    EntryKind.VICTIMS_VIEW: "govuk-tag--orange",
}


class MinuteEntry(Model):
    """One contribution to the minutes of a case at a meeting. The database refuses to take
    a case off a list once it has minutes (``ondelete="RESTRICT"``)."""

    __tablename__ = "minute_entry"

    id: Mapped[intpk]
    agenda_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_item.id", ondelete="RESTRICT"), index=True
    )
    subject: Mapped[Subject] = mapped_column(str_enum(Subject, length=32))
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, length=32))
    source_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    text_html: Mapped[str] = mapped_column(sa.Text())
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    agenda_item: Mapped[AgendaItem] = relationship()
    source_agency: Mapped[Agency] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    revisions: Mapped[list[MinuteEntryRevision]] = relationship(
        back_populates="entry", order_by="MinuteEntryRevision.id", cascade="all, delete-orphan"
    )
    amendments: Mapped[list[MinutesAmendment]] = relationship(
        back_populates="entry", order_by="MinutesAmendment.id"
    )

    __mapper_args__ = {"version_id_col": version}


class MinuteEntryRevision(Model):
    """What an entry said before one edit, and who changed it when."""

    __tablename__ = "minute_entry_revision"

    id: Mapped[intpk]
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("minute_entry.id", ondelete="CASCADE"), index=True
    )
    previous_text_html: Mapped[str] = mapped_column(sa.Text())
    previous_kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, length=32))
    previous_subject: Mapped[Subject] = mapped_column(str_enum(Subject, length=32))
    previous_source_agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"))
    previous_version: Mapped[int]
    revised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    revised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    entry: Mapped[MinuteEntry] = relationship(back_populates="revisions")
    previous_source_agency: Mapped[Agency | None] = relationship()
    revised_by: Mapped[User | None] = relationship()


class RiskSummary(Model):
    """The chair's summary of the risk for one case at one meeting (sanitised rich text)."""

    __tablename__ = "risk_summary"

    id: Mapped[intpk]
    agenda_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_item.id", ondelete="RESTRICT"), unique=True
    )
    harm_identified: Mapped[str] = mapped_column(sa.Text(), default="")
    contributing_factors: Mapped[str] = mapped_column(sa.Text(), default="")
    protective_factors: Mapped[str] = mapped_column(sa.Text(), default="")
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    agenda_item: Mapped[AgendaItem] = relationship()
    author: Mapped[User | None] = relationship()
    amendments: Mapped[list[MinutesAmendment]] = relationship(
        back_populates="risk_summary", order_by="MinutesAmendment.id"
    )

    __mapper_args__ = {"version_id_col": version}


RISK_FIELDS = {
    "harm_identified": "Harm identified",
    "contributing_factors": "Contributing factors",
    "protective_factors": "Protective factors",
}


class MinutesApproval(Model):
    """The chair approved a meeting's minutes; each amendment after that bumps the version."""

    __tablename__ = "minutes_approval"

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), unique=True
    )
    approved_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    minutes_version: Mapped[int] = mapped_column(default=1, server_default="1")

    meeting: Mapped[Meeting] = relationship()
    approved_by: Mapped[User] = relationship()


class MinutesAmendment(Model):
    """A correction to approved minutes, with its reason, kept alongside the original.

    Exactly one of ``entry_id`` and ``risk_summary_id`` is set; ``field`` names the risk
    summary part amended. ``old_html`` is what the minutes said just before, ``new_html`` the
    correction (both sanitised).
    """

    __tablename__ = "minutes_amendment"

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("minute_entry.id", ondelete="CASCADE"), index=True
    )
    risk_summary_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("risk_summary.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str | None] = mapped_column(sa.String(40))
    reason: Mapped[str] = mapped_column(sa.Text())
    old_html: Mapped[str] = mapped_column(sa.Text())
    new_html: Mapped[str] = mapped_column(sa.Text())
    minutes_version: Mapped[int]
    amended_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    amended_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    entry: Mapped[MinuteEntry | None] = relationship(back_populates="amendments")
    risk_summary: Mapped[RiskSummary | None] = relationship(back_populates="amendments")
    amended_by: Mapped[User] = relationship()

    @property
    def field_label(self) -> str:
        return RISK_FIELDS.get(self.field or "", "")
