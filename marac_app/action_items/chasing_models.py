"""Who an agency's actions are chased with, and the record of each chase sent (issue 15).

- ``PointOfContact``: a user of an agency named, for one MARAC area the agency serves, as
  its point of contact there. They receive the chasing emails and see and update every
  action of their agency in that area (marac_app/action_items/permissions.py).
- ``ActionChase``: one chasing email run for one agency in one area (``kind`` agency), or
  one pre-meeting digest for a meeting (``kind`` digest). Counts only, no case data: it is
  what makes the daily job idempotent and the "chase now" button rate-limited.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marac_app.agencies.models import Agency, MaracArea
from marac_app.auth.models import User
from marac_app.db import Model, UTCDateTime, created_at, intpk, str_enum


class PointOfContact(Model):
    __tablename__ = "agency_point_of_contact"

    id: Mapped[intpk]
    agency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agency.id", ondelete="CASCADE"), index=True
    )
    area_id: Mapped[int] = mapped_column(
        sa.ForeignKey("marac_area.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    named_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[created_at]

    agency: Mapped[Agency] = relationship()
    area: Mapped[MaracArea] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (sa.UniqueConstraint("agency_id", "area_id", "user_id"),)


class ChaseKind(enum.StrEnum):
    AGENCY = "agency"
    DIGEST = "digest"


class ActionChase(Model):
    __tablename__ = "action_chase"

    id: Mapped[intpk]
    kind: Mapped[ChaseKind] = mapped_column(str_enum(ChaseKind, length=16))
    area_id: Mapped[int] = mapped_column(
        sa.ForeignKey("marac_area.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agency.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    # The London day the chase was for, and who asked (None: the daily job).
    run_on: Mapped[date] = mapped_column(sa.Date())
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    recipients: Mapped[int] = mapped_column(default=0)
    due_soon: Mapped[int] = mapped_column(default=0)
    overdue: Mapped[int] = mapped_column(default=0)
