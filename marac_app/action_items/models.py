"""Actions agreed at MARAC, owned by agencies, and their status history.

An action belongs to a case (and usually to the agenda item of the meeting where it was
agreed) and is owned by an **agency**, optionally a named representative. Its status moves
from *open* to *completed*, *not completed* ("not done by the agency") or *not possible*
("circumstances changed"), each with a dated note; every move is kept as an
``ActionStatusUpdate`` so a later review can read what happened and when.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marac_app.agencies.models import Agency
from marac_app.auth.models import User
from marac_app.db import Model, UTCDateTime, created_at, intpk, str_enum
from marac_app.meetings.models import Meeting
from marac_app.referrals.models import AgendaItem, Case

DESCRIPTION_MAX = 2000
NOTE_MAX = 2000


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    NOT_COMPLETED = "not_completed"
    NOT_POSSIBLE = "not_possible"

    @property
    def label(self) -> str:
        return ACTION_STATUS_LABELS[self]

    @property
    def is_closed(self) -> bool:
        return self is not ActionStatus.OPEN


ACTION_STATUS_LABELS: dict[ActionStatus, str] = {
    ActionStatus.OPEN: "Open",
    ActionStatus.COMPLETED: "Completed",
    ActionStatus.NOT_COMPLETED: "Not completed – not done by the agency",
    ActionStatus.NOT_POSSIBLE: "Not possible – circumstances changed",
}


class ActionPriority(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ActionItem(Model):
    """One SMART action agreed for a case: owner agency, what, by when."""

    __tablename__ = "action_item"

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("marac_case.id"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agenda_item.id"), index=True)
    # The meeting where the action was agreed (None for one added between meetings).
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    owner_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    owner_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    description: Mapped[str] = mapped_column(sa.Text())
    due_date: Mapped[date] = mapped_column(sa.Date(), index=True)
    priority: Mapped[ActionPriority] = mapped_column(
        str_enum(ActionPriority, length=16), default=ActionPriority.MEDIUM
    )
    status: Mapped[ActionStatus] = mapped_column(
        str_enum(ActionStatus, length=20), default=ActionStatus.OPEN, index=True
    )
    status_note: Mapped[str | None] = mapped_column(sa.Text())
    # Agreed as needing the victim's address (e.g. fit locks): the owning agency may have it
    # shown on the action's page while the action is open (marac_app/safeguards, 0026).
    needs_address: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the latest progress update was posted (issue 15): an open action with one is
    # "In progress". Reset when the status changes (marac_app/action_items/progress.py).
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[created_at]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    case: Mapped[Case] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    owner_agency: Mapped[Agency] = relationship()
    owner_user: Mapped[User | None] = relationship(foreign_keys=[owner_user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updates: Mapped[list[ActionStatusUpdate]] = relationship(
        back_populates="action",
        order_by="ActionStatusUpdate.id",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        sa.Index("ix_action_item_agency_status", "owner_agency_id", "status"),
        # Performance (migration 0014): lists sorted by due date, per agency and per status.
        sa.Index("ix_action_item_agency_due", "owner_agency_id", "due_date"),
        sa.Index("ix_action_item_agency_status_due", "owner_agency_id", "status", "due_date"),
        sa.Index("ix_action_item_status_due", "status", "due_date"),
    )

    @property
    def in_progress(self) -> bool:
        """Open with a progress update posted since it was agreed (or last reopened)."""
        return self.status == ActionStatus.OPEN and self.progress_at is not None

    def is_overdue(self, on: date) -> bool:
        """Open and due before ``on`` (an action due today is not yet overdue)."""
        return self.status == ActionStatus.OPEN and self.due_date < on


class UpdateKind(enum.StrEnum):
    """A row of an action's history: a change of status, or progress that leaves it open."""

    STATUS = "status"
    PROGRESS = "progress"


class ActionStatusUpdate(Model):
    """One change of an action's status: from, to, the dated note, who recorded it and when.

    A *progress* update ("visited, waiting for locksmith") is a row of the same history with
    ``kind == UpdateKind.PROGRESS`` and from and to both open.
    """

    __tablename__ = "action_status_update"

    id: Mapped[intpk]
    action_id: Mapped[int] = mapped_column(
        sa.ForeignKey("action_item.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[ActionStatus] = mapped_column(str_enum(ActionStatus, length=20))
    to_status: Mapped[ActionStatus] = mapped_column(str_enum(ActionStatus, length=20))
    kind: Mapped[UpdateKind] = mapped_column(
        str_enum(UpdateKind, length=16),
        default=UpdateKind.STATUS,
        server_default=UpdateKind.STATUS.value,
    )
    note: Mapped[str] = mapped_column(sa.Text())
    # The day it happened (as told by the person recording it), not when it was typed in.
    dated: Mapped[date] = mapped_column(sa.Date())
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[created_at]

    action: Mapped[ActionItem] = relationship(back_populates="updates")
    by: Mapped[User | None] = relationship()
