"""Notifications and email choices.

- ``Notification``: something is waiting for one person ("New minutes are ready for you: the
  meeting of 12 December 2026"), with a link to the page that shows it. The text is generic
  by contract (``services.notify``): never a case reference, a name or narrative; the linked
  page does its own permission check when it is followed.
- ``NotificationEmailChoice``: whether a person also wants a kind by email. No row means the
  kind's default (``NotificationKind.emailed_by_default``).

Both hang off the user (deleted with the account).
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marac_app.db import Model, UTCDateTime, created_at, intpk, str_enum


class NotificationKind(enum.StrEnum):
    MINUTES = "minutes"  # a copy of approved minutes is waiting for you
    RESEARCH_LIST = "research_list"  # a meeting's research list was circulated to you
    ACTION_ASSIGNED = "action_assigned"  # an action was given to your agency
    ACTIONS_DUE = "actions_due"  # your agency's actions due soon or overdue (counts)
    FLAGS_LAPSING = "flags_lapsing"  # your agency's flags lapse soon (a count)

    @property
    def label(self) -> str:
        return KIND_LABELS[self]

    @property
    def emailed_by_default(self) -> bool:
        """The kinds that were emailed before notifications existed (minutes, research lists,
        chasing, flags lapsing) stay emailed until the person says otherwise; a new action
        for the agency is opt-in."""
        return self is not NotificationKind.ACTION_ASSIGNED


KIND_LABELS: dict[NotificationKind, str] = {
    NotificationKind.MINUTES: "New minutes for you",
    NotificationKind.RESEARCH_LIST: "A research list is ready for your agency",
    NotificationKind.ACTION_ASSIGNED: "An action has been assigned to your agency",
    NotificationKind.ACTIONS_DUE: "Your agency's actions are due soon or overdue",
    NotificationKind.FLAGS_LAPSING: "Your agency's flags are about to lapse",
}

TEXT_MAX = 200
LINK_MAX = 500


class Notification(Model):
    """One thing waiting for ``user``; read once followed or marked read."""

    __tablename__ = "notification"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind))
    text: Mapped[str] = mapped_column(sa.String(TEXT_MAX))
    link: Mapped[str] = mapped_column(sa.String(LINK_MAX))
    created_at: Mapped[created_at]
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationEmailChoice(Model):
    """``user`` does (``email``) or does not want ``kind`` by email as well."""

    __tablename__ = "notification_email_choice"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind))
    email: Mapped[bool] = mapped_column(sa.Boolean())

    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)
