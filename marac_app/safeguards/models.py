"""The dismissals of address-change notices. (The address alert itself lives with the case:
``marac_app/referrals/address_alerts.py``.)

- ``AddressNoticeDismissal``: a person has read the notice that a case's address changed
  (``referrals.address_changes.AddressChange``); the notice is not shown to them again.

It hangs off the change, so off the case (deleted with it by retention and erasure).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marac_app.db import Model, created_at, intpk


class AddressNoticeDismissal(Model):
    """``user`` has read the notice of address change ``change_id``."""

    __tablename__ = "address_notice_dismissal"

    id: Mapped[intpk]
    change_id: Mapped[int] = mapped_column(
        sa.ForeignKey("address_change.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    dismissed_at: Mapped[created_at]

    __table_args__ = (sa.UniqueConstraint("change_id", "user_id"),)
