"""The information-sharing protocol (ISP) register and the confidentiality statement.

Each participating agency signs the local Domestic Abuse Information Sharing Protocol. Nothing
discussed at MARAC may reach a person whose agency has not signed the version in force
(``marac_app.protocol.services.signup_status`` decides). The confidentiality statement read
out at every meeting is versioned text: a meeting records the version that was read.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marac_app.agencies.models import Agency
from marac_app.db import Model, UTCDateTime, created_at, intpk, str_long, str_short


class ProtocolVersion(Model):
    """One version of the protocol. The version in force is the newest already effective."""

    __tablename__ = "protocol_version"

    id: Mapped[intpk]
    title: Mapped[str_long]
    # What people call it: "3", "3.1", "2026".
    version_label: Mapped[str] = mapped_column(sa.String(20), unique=True)
    effective_date: Mapped[date] = mapped_column(sa.Date(), index=True)
    text: Mapped[str] = mapped_column(sa.Text())
    # Days after this version takes effect during which a signature to the previous version
    # still counts (the agency "needs to re-sign"). 0 = at once.
    grace_days: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[created_at]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))


class ProtocolSignature(Model):
    """An agency's signature to one protocol version."""

    __tablename__ = "protocol_signature"

    id: Mapped[intpk]
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    protocol_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("protocol_version.id"), index=True
    )
    signatory_name: Mapped[str_short]
    signatory_job_title: Mapped[str_short]
    signed_on: Mapped[date] = mapped_column(sa.Date())
    review_due_on: Mapped[date | None] = mapped_column(sa.Date())
    withdrawn_on: Mapped[date | None] = mapped_column(sa.Date())
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[created_at]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    agency: Mapped[Agency] = relationship()
    protocol_version: Mapped[ProtocolVersion] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class ConfidentialityStatement(Model):
    """One version of the confidentiality statement read at the start of every meeting.

    Versions are never edited in place: a change makes a new row with the next number.
    """

    __tablename__ = "confidentiality_statement"

    id: Mapped[intpk]
    version_number: Mapped[int] = mapped_column(unique=True)
    text: Mapped[str] = mapped_column(sa.Text())
    created_at: Mapped[created_at]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
