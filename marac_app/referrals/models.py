"""Cases and the case list (agenda) of each meeting.

A *case* is one victim's MARAC record in one area, with a reference like ``CAM-2026-0042``
used wherever a name is not needed. Each referral (first or repeat) belongs to a case. An
*agenda item* puts a case on a meeting's case list; minute entries and actions hang off it.
"""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marac_app.agencies.models import MaracArea
from marac_app.db import created_at, db, intpk, str_enum, updated_at
from marac_app.meetings.models import Meeting


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Case(db.Model):
    """One victim's MARAC case in one area."""

    __tablename__ = "marac_case"

    id: Mapped[intpk]
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("marac_area.id"), index=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus), default=CaseStatus.OPEN)
    # Retention runs from here (7 years after the case closed, by default).
    closed_on: Mapped[date | None] = mapped_column(sa.Date(), index=True)
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    area: Mapped[MaracArea] = relationship()

    __mapper_args__ = {"version_id_col": version}


class AgendaItem(db.Model):
    """A case on a meeting's case list, in order. Minutes and actions of that hearing hang off
    it. A case appears at most once per meeting."""

    __tablename__ = "agenda_item"

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("marac_case.id"), index=True)
    # The referral being heard (None for a case brought back for review only).
    referral_id: Mapped[int | None] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[created_at]

    meeting: Mapped[Meeting] = relationship()
    case: Mapped[Case] = relationship()

    __table_args__ = (sa.UniqueConstraint("meeting_id", "case_id"),)
