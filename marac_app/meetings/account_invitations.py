"""Inviting someone who has no account (issue 15): the IDVA or social worker at the table.

The coordinator gives a name, an email and an agency; an agency representative account of
the meeting's area is made, the person is emailed a one-time set-password link (the one
email of ``auth.services``) and invited to the meeting (the one invitation path of
``meetings.services``, with its calendar REQUEST). Services flush, never commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa

from marac_app.agencies.models import Agency, agency_areas
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth import services as auth_services
from marac_app.auth.models import Role, User
from marac_app.common.errors import ServiceError
from marac_app.extensions import db
from marac_app.meetings import services
from marac_app.meetings.models import AccountInvitation, Invitation, Meeting
from marac_app.protocol.services import require_signed_up

logger = logging.getLogger(__name__)

# Never says where the existing account is (its area or agency): only that there is one.
ACCOUNT_EXISTS = "This person already has an account. Invite them from the list instead"
AGENCY_NOT_IN_AREA = "Select an agency that takes part in this MARAC area"


@dataclass(frozen=True)
class NewPerson:
    """What the coordinator typed about the person to invite."""

    name: str
    email: str
    agency_id: int | None
    job_title: str = ""


def agencies_for(meeting: Meeting) -> list[Agency]:
    """The active agencies serving the meeting's area (whether each is signed up to the
    information-sharing protocol is checked when inviting)."""
    return list(
        db.session.scalars(
            sa.select(Agency)
            .join(agency_areas, agency_areas.c.agency_id == Agency.id)
            .where(agency_areas.c.area_id == meeting.area_id, Agency.active.is_(True))
            .order_by(Agency.name)
        )
    )


def invite_new_person(meeting: Meeting, person: NewPerson, *, actor: User) -> Invitation:
    """Make an agency representative account of ``meeting``'s area for ``person``, email
    them a set-password link and invite them to ``meeting``. Returns the invitation.

    Refuses (ServiceError) a cancelled meeting, an email that already has an account (field
    ``email``: invite them from the list; nothing about that account is said), and an agency
    that does not serve the area or is not signed up to the protocol (field ``agency``).
    All or nothing: if an email cannot be sent the caller rolls everything back.
    """
    if meeting.is_cancelled:
        raise ServiceError("A cancelled meeting cannot have new invitations")
    if auth_services.find_user_by_email(person.email) is not None:
        raise ServiceError(ACCOUNT_EXISTS, field="email")
    agency = db.session.get(Agency, person.agency_id) if person.agency_id is not None else None
    if agency is None or agency not in agencies_for(meeting):
        raise ServiceError(AGENCY_NOT_IN_AREA, field="agency")
    require_signed_up(agency, field="agency")
    user = auth_services.create_user(
        auth_services.UserDetails(
            email=person.email,
            name=person.name,
            job_title=person.job_title,
            role=Role.AGENCY_REP,
            agency_id=agency.id,
            area_id=meeting.area_id,
        ),
        actor=actor,
    )
    made = AccountInvitation(
        user_id=user.id, invited_by_id=actor.id, area_id=meeting.area_id, meeting_id=meeting.id
    )
    db.session.add(made)
    db.session.flush()
    record(
        AuditAction.ACCOUNT_INVITED,
        actor=actor,
        object_type="user",
        object_id=user.id,
        detail=f"meeting={meeting.id} agency={agency.id}",
    )
    auth_services.send_set_password_link(user, actor=actor)
    invited = services.invite(meeting, [user.id], actor=actor)
    logger.info("account %s invited to meeting %s by %s", user.id, meeting.id, actor.id)
    return invited[0]


def invited_account_ids(user_ids: list[int]) -> set[int]:
    """Which of ``user_ids`` are accounts a coordinator made by inviting someone."""
    if not user_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(AccountInvitation.user_id).where(AccountInvitation.user_id.in_(user_ids))
        )
    )


def invited_accounts_filter() -> sa.ColumnElement[bool]:
    """A ``where`` clause for users made by a coordinator's invitation."""
    return User.id.in_(sa.select(AccountInvitation.user_id))
