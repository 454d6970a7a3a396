"""Who may triage a meeting's list and who may work on a co-ordinated case.
Fetch-then-authorise: load (404), check (404 for another area's meeting).

- The coordinator of the meeting's area triages its list (heard / co-ordinated).
- The chair and the coordinator of the area open a co-ordinated case's page and agree its
  actions with the owning agencies (as on the live case page); only the chair signs off
  the case record.
- Everyone else (representatives, admins, the DPO, other areas' staff) gets 403 or 404.
"""

from __future__ import annotations

from marac_app.auth.models import Role, User
from marac_app.meetings.models import Meeting
from marac_app.minutes.permissions import can_chair_minutes, can_read_minutes
from marac_app.permissions import fetch_or_404


def can_triage(user: User, meeting: Meeting) -> bool:
    """The active coordinator of ``meeting``'s area."""
    return (
        bool(user.is_authenticated and user.active)
        and user.role == Role.COORDINATOR
        and user.area_id is not None
        and user.area_id == meeting.area_id
    )


def can_work_on_coordinated_case(user: User, meeting: Meeting) -> bool:
    """Open a co-ordinated case's page and agree its actions: the area's chair and
    coordinator (who read the minutes)."""
    return can_read_minutes(user, meeting)


def can_sign_off(user: User, meeting: Meeting) -> bool:
    """Sign off a co-ordinated case's record: the chair of the meeting's area."""
    return can_chair_minutes(user, meeting)


def get_meeting_to_triage_or_404(meeting_id: int | None, user: User) -> Meeting:
    return fetch_or_404(
        Meeting, meeting_id, allowed=lambda meeting: can_triage(user, meeting), kind="meeting"
    )


def get_coordination_meeting_or_404(meeting_id: int | None, user: User) -> Meeting:
    return fetch_or_404(
        Meeting,
        meeting_id,
        allowed=lambda meeting: can_work_on_coordinated_case(user, meeting),
        kind="meeting",
    )
