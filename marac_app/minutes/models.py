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
    # A late entry: the entry was added after approval through the amendment path (its
    # ``old_html`` is empty; the minutes said nothing before).
    late_entry: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    minutes_version: Mapped[int]
    amended_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    amended_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    entry: Mapped[MinuteEntry | None] = relationship(back_populates="amendments")
    risk_summary: Mapped[RiskSummary | None] = relationship(back_populates="amendments")
    amended_by: Mapped[User] = relationship()

    @property
    def field_label(self) -> str:
        return RISK_FIELDS.get(self.field or "", "")


class MinuteDraft(Model):
    """Text typed on a live minutes form and not saved yet, kept on the server for the person
    who typed it (never in the browser): restored into that form when the page is shown
    again, removed when the real record is saved (``marac_app.minutes.drafts``).

    ``key`` names the form (``entry-new``, ``entry-<id>-edit``, ``risk-summary`` …);
    ``body`` is a JSON object of that form's own fields only, each capped in size.
    """

    __tablename__ = "minute_draft"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(40))
    body: Mapped[str] = mapped_column(sa.Text())
    updated_at: Mapped[updated_at]

    __table_args__ = (sa.UniqueConstraint("user_id", "agenda_item_id", "key"),)


# --- The approval check and the draft's circulation for accuracy comments ----------------

MISSING_LABELS = {
    "entries": "entries",
    "risk_summary": "a risk summary",
    "actions": "actions",
    "sign_off": "the chair's sign-off of the co-ordinated case",
}


def missing_text(keys: list[str]) -> str:
    """ "entries, a risk summary and actions" for the ``MISSING_LABELS`` keys given."""
    words = [MISSING_LABELS[key] for key in keys if key in MISSING_LABELS]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


class ApprovalReason(Model):
    """Why the chair approved the minutes with a case left without entries, a risk summary
    or actions (given on the approval check page; printed with the case in the minutes).

    ``missing`` holds the keys of ``MISSING_LABELS`` that were missing, space-separated."""

    __tablename__ = "minutes_approval_reason"

    id: Mapped[intpk]
    approval_id: Mapped[int] = mapped_column(
        sa.ForeignKey("minutes_approval.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_item.id", ondelete="RESTRICT"), index=True
    )
    missing: Mapped[str] = mapped_column(sa.String(80))
    reason: Mapped[str] = mapped_column(sa.Text())

    agenda_item: Mapped[AgendaItem] = relationship()

    __table_args__ = (sa.UniqueConstraint("approval_id", "agenda_item_id"),)

    @property
    def missing_text(self) -> str:
        """ "entries and a risk summary" — what the case was approved without."""
        return missing_text(self.missing.split())


class DraftCirculation(Model):
    """The draft minutes sent to the people present for accuracy comments until a time."""

    __tablename__ = "minutes_circulation"

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    comments_until: Mapped[datetime] = mapped_column(UTCDateTime())
    circulated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    circulated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    circulated_by: Mapped[User] = relationship()
    recipients: Mapped[list[DraftRecipient]] = relationship(
        back_populates="circulation", order_by="DraftRecipient.id", cascade="all, delete-orphan"
    )


class DraftRecipient(Model):
    """A person recorded as present who was sent the draft (and may read and comment on it
    while the circulation is open)."""

    __tablename__ = "circulation_recipient"

    id: Mapped[intpk]
    circulation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("minutes_circulation.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    emailed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    circulation: Mapped[DraftCirculation] = relationship(back_populates="recipients")
    user: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("circulation_id", "user_id"),)


class DraftComment(Model):
    """An accuracy comment on the circulated draft, about one case or the whole minutes.
    Plain text (escaped when shown); read only by the area's chair and coordinator."""

    __tablename__ = "circulation_comment"

    id: Mapped[intpk]
    circulation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("minutes_circulation.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text())
    created_at: Mapped[created_at]

    circulation: Mapped[DraftCirculation] = relationship()
    author: Mapped[User] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()
