""" "The address for case <reference> has changed": told at the next sign-in, never what it is.

When a victim's address or safe contact details change (``referrals.address_changes``), a
representative is told on their home page if their agency

- holds an earlier copy: a distribution copy of minutes (or an action extract) of a meeting
  where the case was on the agenda, issued before the change; or
- owns an open action on the case agreed as needing the address,

and they may still see the case (``referrals.permissions.visible_cases_query``: their
area, a meeting they are invited to, their agency signed up, not restricted). Each person
dismisses the notice once read (audited); it is not shown to them again.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from marac_app.action_items.models import ActionItem, ActionStatus
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, User
from marac_app.common.errors import ServiceError
from marac_app.distribution.models import DocumentCopy
from marac_app.extensions import db
from marac_app.referrals.address_changes import AddressChange
from marac_app.referrals.models import AgendaItem, Case
from marac_app.referrals.permissions import visible_cases_query
from marac_app.safeguards.models import AddressNoticeDismissal

NOTICE_GONE = "This notice has already been dismissed or is not yours"


@dataclass(frozen=True)
class AddressNotice:
    change_id: int
    case_id: int
    reference: str

    @property
    def text(self) -> str:
        return (
            f"The address for case {self.reference} has changed: ask the coordinator if you need it"
        )


def _told_clause(user: User) -> sa.ColumnElement[bool]:
    """The changes ``user``'s agency must be told of (an earlier copy or an open action)."""
    earlier_copy = sa.exists(
        sa.select(DocumentCopy.id)
        .join(AgendaItem, AgendaItem.meeting_id == DocumentCopy.meeting_id)
        .where(
            AgendaItem.case_id == AddressChange.case_id,
            DocumentCopy.recipient_agency_id == user.agency_id,
            DocumentCopy.issued_at < AddressChange.changed_at,
        )
    )
    open_action = sa.exists(
        sa.select(ActionItem.id).where(
            ActionItem.case_id == AddressChange.case_id,
            ActionItem.owner_agency_id == user.agency_id,
            ActionItem.needs_address.is_(True),
            ActionItem.status == ActionStatus.OPEN,
        )
    )
    return sa.or_(earlier_copy, open_action)


def _query(user: User) -> sa.Select:
    visible = visible_cases_query(user).with_only_columns(Case.id).scalar_subquery()
    dismissed = sa.select(AddressNoticeDismissal.change_id).where(
        AddressNoticeDismissal.user_id == user.id
    )
    return (
        sa.select(AddressChange.id, AddressChange.case_id, Case.reference)
        .join(Case, Case.id == AddressChange.case_id)
        .where(
            AddressChange.case_id.in_(visible),
            AddressChange.id.not_in(dismissed),
            _told_clause(user),
        )
        .order_by(AddressChange.id.desc())
    )


def address_notices(user: User) -> list[AddressNotice]:
    """The notices ``user`` has not dismissed (representatives only; empty for others)."""
    if not (user.is_authenticated and user.active) or user.role != Role.AGENCY_REP:
        return []
    if user.agency_id is None:
        return []
    return [
        AddressNotice(change_id=cid, case_id=case_id, reference=reference)
        for cid, case_id, reference in db.session.execute(_query(user).limit(50))
    ]


def dismiss_notice(change_id: int | None, *, actor: User) -> AddressNotice:
    """``actor`` has read the notice of ``change_id``; ServiceError when it is not one of
    theirs (another agency's, already dismissed, or no such change)."""
    notice = next((n for n in address_notices(actor) if n.change_id == change_id), None)
    if notice is None:
        raise ServiceError(NOTICE_GONE)
    db.session.add(AddressNoticeDismissal(change_id=notice.change_id, user_id=actor.id))
    db.session.flush()
    record(
        AuditAction.ADDRESS_CHANGE_NOTICE_DISMISSED,
        actor=actor,
        object_type="case",
        object_id=notice.case_id,
        detail=f"change={notice.change_id}",
    )
    return notice
