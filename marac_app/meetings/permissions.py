"""Who may see and manage meetings. Fetch-then-authorise: load (404), check (404), act.

- Coordinators manage the meetings of their own area; chairs run them.
- Agency representatives see a meeting only while they hold a live invitation to it and their
  agency is signed up to the information-sharing protocol.
- Admins and the DPO do not see meetings (they hold no case information role).
"""

from __future__ import annotations

import sqlalchemy as sa

from marac_app.auth.models import Role, User
from marac_app.extensions import db
from marac_app.meetings.models import Invitation, Meeting
from marac_app.permissions import fetch_or_404
from marac_app.protocol.services import signup_problem


def is_invited(user: User, meeting: Meeting) -> bool:
    """True when ``user`` holds a live (not revoked) invitation to ``meeting`` and, when they
    have an area, it is the one they are working in now (issue 15: a person in two areas
    sees one at a time, even where they are invited to both)."""
    if user.area_id is not None and user.area_id != meeting.area_id:
        return False
    return (
        db.session.scalar(
            sa.select(sa.func.count(Invitation.id)).where(
                Invitation.meeting_id == meeting.id,
                Invitation.user_id == user.id,
                Invitation.revoked_at.is_(None),
            )
        )
        or 0
    ) > 0


def can_view_meeting(user: User, meeting: Meeting) -> bool:
    if not user.is_authenticated or not user.active:
        return False
    if user.role in (Role.COORDINATOR, Role.CHAIR):
        return user.area_id == meeting.area_id
    if user.role == Role.AGENCY_REP:
        # A withdrawn or lapsed ISP signature ends access on the very next request.

        return signup_problem(user.agency) is None and is_invited(user, meeting)
    return False


def can_manage_meeting(user: User, meeting: Meeting) -> bool:
    """Schedule, edit, cancel, invite: the coordinator of the meeting's area."""
    return user.role == Role.COORDINATOR and user.area_id == meeting.area_id


def can_schedule_meetings(user: User) -> bool:
    """Schedule new meetings (in their own area): coordinators."""
    return user.is_authenticated and user.role == Role.COORDINATOR


def can_see_invitations(user: User, meeting: Meeting) -> bool:
    """Who is invited to a meeting: its coordinator and the chairs of its area."""
    return can_manage_meeting(user, meeting) or (
        user.role == Role.CHAIR and user.area_id == meeting.area_id
    )


def can_chair_meeting(user: User, meeting: Meeting) -> bool:
    """Open the meeting, take attendance, minute it: a chair of the meeting's area."""
    return user.role == Role.CHAIR and user.area_id == meeting.area_id


def get_meeting_or_404(meeting_id: int | None, user: User) -> Meeting:
    """The meeting if ``user`` may see it; otherwise 404 (audited as denied)."""
    return fetch_or_404(
        Meeting, meeting_id, allowed=lambda meeting: can_view_meeting(user, meeting), kind="meeting"
    )


def get_meeting_to_manage_or_404(meeting_id: int | None, user: User) -> Meeting:
    """A meeting ``user`` may see and manage (``can_manage_meeting``); 404 otherwise."""
    return fetch_or_404(
        Meeting,
        meeting_id,
        allowed=lambda meeting: (
            can_view_meeting(user, meeting) and can_manage_meeting(user, meeting)
        ),
        kind="meeting",
    )


def get_invitation_of_meeting_or_404(invitation_id: int | None, meeting: Meeting) -> Invitation:
    """An invitation to ``meeting`` (already authorised by the caller); 404 for an
    invitation to any other meeting."""
    return fetch_or_404(
        Invitation,
        invitation_id,
        allowed=lambda invitation: invitation.meeting_id == meeting.id,
        kind="invitation",
    )
