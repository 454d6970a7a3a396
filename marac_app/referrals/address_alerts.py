"""The address alert on a case: "Address confidential – do not disclose".

The ICO's advice after its reprimands for revealing victims' safe addresses: alerts on
files. A case carries an alert while it has a ``CaseAddressAlert`` row not yet cleared; the
coordinator sets and clears it with reasons (marac_app/safeguards/services.py). It lives
with the case (here, in referrals) so that every feature that shows a case — lists, pages,
the minutes and their stamped PDFs — can show it; the one template macro is
``templates/safeguards/_macros.html`` ``address_alert``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marac_app.auth.models import User
from marac_app.db import Model, UTCDateTime, created_at, intpk
from marac_app.extensions import db

ALERT_TEXT = "Address confidential – do not disclose"


class CaseAddressAlert(Model):
    """An address alert on a case (active while ``cleared_at`` is None; kept once cleared,
    with who cleared it, when and why)."""

    __tablename__ = "case_address_alert"

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("marac_case.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.Text())
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    set_at: Mapped[created_at]
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cleared_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    clear_reason: Mapped[str | None] = mapped_column(sa.Text())

    set_by: Mapped[User | None] = relationship(foreign_keys=[set_by_id])
    cleared_by: Mapped[User | None] = relationship(foreign_keys=[cleared_by_id])


def _query() -> sa.Select:
    return sa.select(CaseAddressAlert.case_id).where(CaseAddressAlert.cleared_at.is_(None))


_CACHE_KEY = "marac.address_alert_ids"


def alerted_case_ids() -> frozenset[int]:
    """Every case carrying an alert (few: one query, remembered for the request in its
    environ; set and clear call ``forget_alerts``). Outside a request asked each time."""
    if not has_request_context():
        return frozenset(db.session.scalars(_query()))
    cached = request.environ.get(_CACHE_KEY)
    if cached is None:
        cached = frozenset(db.session.scalars(_query()))
        request.environ[_CACHE_KEY] = cached
    return cached


def forget_alerts() -> None:
    if has_request_context():
        request.environ.pop(_CACHE_KEY, None)


def has_address_alert(case_id: int | None) -> bool:
    return case_id is not None and case_id in alerted_case_ids()


def alerted_among(case_ids: Iterable[int]) -> list[int]:
    """Those of ``case_ids`` carrying an alert, sorted (for a cache key)."""
    alerted = alerted_case_ids()
    return sorted({c for c in case_ids if c in alerted})
