"""Research returns: what each invited agency holds about a case before the meeting.

A ``ResearchReturn`` is one agency's return for one case on one meeting's list (an agenda
item). Its items (``ResearchReturnItem``) are each about the victim, the perpetrator or a
child or vulnerable adult, and each is a fact or a professional opinion (the minutes' own
``Subject`` and ``EntryKind``). ``withheld`` is "information held but not shared, and why"
(plain text): it reaches only the area's chair and coordinator and the returning agency.
``nothing_held`` excludes items.

A row may exist before anything is returned: the coordinator reopening a late agency's
return makes one (``submitted_at`` stays None until the agency returns). Rich text
(``text_html``) went through ``sanitize_html`` on write. Rows go with the agenda item (and so
with the case) on deletion.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marac_app.agencies.models import Agency
from marac_app.auth.models import User
from marac_app.db import Model, UTCDateTime, created_at, intpk, str_enum, updated_at, utcnow
from marac_app.meetings.models import Meeting
from marac_app.minutes.models import EntryKind, MinuteEntry, Subject
from marac_app.referrals.models import AgendaItem

# The subjects and kinds a return's item may have (the victim's view is relayed at the table).
RETURN_SUBJECTS: tuple[Subject, ...] = (
    Subject.VICTIM,
    Subject.PERPETRATOR,
    Subject.CHILD_OR_VULNERABLE_ADULT,
)
RETURN_KINDS: tuple[EntryKind, ...] = (EntryKind.FACT, EntryKind.PROFESSIONAL_OPINION)


class ResearchCirculation(Model):
    """The research list was circulated to a meeting's invited agencies (newest decides)."""

    __tablename__ = "research_circulation"

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    circulated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    circulated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    recipients: Mapped[int] = mapped_column(default=0, server_default="0")

    meeting: Mapped[Meeting] = relationship()
    circulated_by: Mapped[User] = relationship()


class ResearchReturn(Model):
    """One agency's research return for one case on one meeting's list."""

    __tablename__ = "research_return"

    id: Mapped[intpk]
    agenda_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    nothing_held: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    withheld: Mapped[str] = mapped_column(sa.Text(), default="", server_default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # The coordinator let the agency return (or change its return) after the deadline; the
    # next submission closes it again.
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    agenda_item: Mapped[AgendaItem] = relationship()
    agency: Mapped[Agency] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    items: Mapped[list[ResearchReturnItem]] = relationship(
        back_populates="research_return",
        order_by="ResearchReturnItem.position",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.UniqueConstraint("agenda_item_id", "agency_id"),)

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class ResearchReturnItem(Model):
    """One piece of information in a return: about whom, fact or opinion, and the text."""

    __tablename__ = "research_return_item"

    id: Mapped[intpk]
    return_id: Mapped[int] = mapped_column(
        sa.ForeignKey("research_return.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    subject: Mapped[Subject] = mapped_column(str_enum(Subject, length=32))
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, length=32))
    text_html: Mapped[str] = mapped_column(sa.Text())
    # The minute entry made from this item at the meeting (kept if the entry goes).
    minute_entry_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("minute_entry.id", ondelete="SET NULL"), index=True
    )

    research_return: Mapped[ResearchReturn] = relationship(back_populates="items")
    minute_entry: Mapped[MinuteEntry | None] = relationship()
