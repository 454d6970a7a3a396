"""MARAC-to-MARAC transfers of a case (issue 14).

A ``CaseTransfer`` belongs to the case it was sent *from* (``source_case_id``): it is deleted
with that case at the end of retention or on erasure. Within the deployment it waits for the
receiving area's coordinator (pending → accepted or declined); on acceptance the receiving area
gets a case of its own (``received_case_id``, a reference that is set to NULL if the received
case is deleted first). A transfer to a MARAC outside the deployment is recorded as external:
its "pack" is a stamped, logged PDF copy (the distribution copy log holds who took it).
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marac_app.agencies.models import MaracArea
from marac_app.auth.models import User
from marac_app.db import Model, UTCDateTime, intpk, str_enum, utcnow
from marac_app.referrals.models import Case


class TransferKind(enum.StrEnum):
    WITHIN = "within"  # to another MARAC area of this deployment
    EXTERNAL = "external"  # to a MARAC outside it: a transfer pack


class TransferStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    PACK_PRODUCED = "pack_produced"

    @property
    def label(self) -> str:
        return {
            "pending": "Waiting for the receiving MARAC",
            "accepted": "Accepted",
            "declined": "Declined",
            "pack_produced": "Transfer pack produced",
        }[self.value]


class CaseTransfer(Model):
    """One transfer of a case out of its area (see the module docstring)."""

    __tablename__ = "case_transfer"

    id: Mapped[intpk]
    kind: Mapped[TransferKind] = mapped_column(str_enum(TransferKind, length=20))
    status: Mapped[TransferStatus] = mapped_column(str_enum(TransferStatus, length=20), index=True)
    source_case_id: Mapped[int] = mapped_column(sa.ForeignKey("marac_case.id"), index=True)
    from_area_id: Mapped[int] = mapped_column(sa.ForeignKey("marac_area.id"), index=True)
    # Within the deployment: the receiving area. External: None, and the MARAC's name instead.
    to_area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("marac_area.id"), index=True)
    external_marac: Mapped[str | None] = mapped_column(sa.String(200))
    reason: Mapped[str] = mapped_column(sa.Text())
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(sa.Text())
    # The receiving area's own case, opened on acceptance.
    received_case_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("marac_case.id", ondelete="SET NULL"), index=True
    )

    source_case: Mapped[Case] = relationship(foreign_keys=[source_case_id])
    received_case: Mapped[Case | None] = relationship(foreign_keys=[received_case_id])
    from_area: Mapped[MaracArea] = relationship(foreign_keys=[from_area_id])
    to_area: Mapped[MaracArea | None] = relationship(foreign_keys=[to_area_id])
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def destination(self) -> str:
        """The receiving MARAC's name, as shown on both cases."""
        if self.to_area is not None:
            return self.to_area.name
        return self.external_marac or ""

    @property
    def is_pending(self) -> bool:
        return self.status == TransferStatus.PENDING
