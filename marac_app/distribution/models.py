"""Cached master PDFs and the log of every per-recipient copy issued from them."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marac_app.auth.models import User
from marac_app.db import Model, UTCDateTime, created_at, intpk, str_enum, str_short


class MasterKind(enum.StrEnum):
    MINUTES = "minutes"
    ACTION_EXTRACT = "action_extract"
    # A case's transfer pack for a MARAC outside the deployment (marac_app/transfers).
    TRANSFER_PACK = "transfer_pack"


class RenderedMaster(Model):
    """One rendered, stamp-ready, never-distributed master PDF, cached by ``key``.

    ``key`` names exactly what was rendered (e.g. ``meeting:12:v3`` for the minutes, or
    ``meeting:12:v3:agency:5`` for an agency's action extract), so a new minutes version gets a
    new key and a new render, while every copy of one version is stamped from the same bytes.
    ``meeting_id`` has no foreign key yet: the minutes tables are built later.
    """

    __tablename__ = "rendered_master"

    id: Mapped[intpk]
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[MasterKind] = mapped_column(str_enum(MasterKind, length=20))
    meeting_id: Mapped[int | None] = mapped_column(index=True)
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"))
    minutes_version: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    page_count: Mapped[int] = mapped_column(default=0)
    # Deferred: listing masters or copies never drags the PDF bytes out of the database.
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary(), deferred=True)
    created_at: Mapped[created_at]


class DocumentCopy(Model):
    """One stamped copy issued to one person: the answer to "who holds a copy?".

    The recipient's name and agency are kept as they were printed on the copy, so the log stays
    true if the person later changes agency. ``copy_sha256`` identifies a copy found elsewhere.
    """

    __tablename__ = "document_copy"

    id: Mapped[intpk]
    document_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), unique=True, default=uuid.uuid4)
    master_id: Mapped[int] = mapped_column(sa.ForeignKey("rendered_master.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(index=True)
    kind: Mapped[MasterKind] = mapped_column(str_enum(MasterKind, length=20))
    minutes_version: Mapped[int] = mapped_column()
    recipient_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    recipient_name: Mapped[str_short]
    recipient_agency: Mapped[str_short]
    recipient_agency_id: Mapped[int | None] = mapped_column()
    issued_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    copy_sha256: Mapped[str] = mapped_column(sa.String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[created_at]

    master: Mapped[RenderedMaster] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class MinutesRecipient(Model):
    """A person the coordinator chose to receive a meeting's approved minutes.

    A live row (``revoked_at`` is None) lets the person download their own stamped copy while
    their agency stays signed up to the information-sharing protocol; removing them sets
    ``revoked_at`` and their access ends at once. ``notified_at`` is set when the "minutes are
    ready" email has been sent (a later save re-sends to anyone not yet emailed).
    """

    __tablename__ = "minutes_recipient"

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"))
    added_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
