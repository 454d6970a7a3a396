"""Who may read and write the minutes. Fetch-then-authorise: load (404), check (404).

- The chair of the meeting's area writes entries, the risk summary, approves and amends.
- The coordinator of the area reads everything and, as minute-taker, may add and edit
  entries and agree actions (but not the risk summary, approval or amendments).
- Agency representatives do not read minutes in the app (they receive distributed copies):
  every minutes URL is 404 for them, as for admins, the DPO and other areas' staff — except
  the circulated draft (``can_review_draft``): a person recorded as present who was sent it
  reads it and comments on it while the circulation is open.
"""

from __future__ import annotations

from marac_app.auth.models import Role, User
from marac_app.meetings.models import Meeting
from marac_app.minutes.circulation import review_problem
from marac_app.minutes.models import MinuteEntry
from marac_app.permissions import fetch_or_404


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.active)


def can_read_minutes(user: User, meeting: Meeting) -> bool:
    return (
        _active(user)
        and user.role in (Role.CHAIR, Role.COORDINATOR)
        and user.area_id is not None
        and user.area_id == meeting.area_id
    )


def can_write_entries(user: User, meeting: Meeting) -> bool:
    """Add and edit entries, agree actions: the chair or the coordinator (minute-taker)."""
    return can_read_minutes(user, meeting)


def can_chair_minutes(user: User, meeting: Meeting) -> bool:
    """Risk summary, approval, amendments: the chair of the meeting's area."""
    return can_read_minutes(user, meeting) and user.role == Role.CHAIR


def can_review_draft(user: User, meeting: Meeting) -> bool:
    """Open the circulated draft's page: the area's chair and coordinator (who read the
    minutes anyway), or a person present who was sent the newest circulation, whose account
    is active and whose agency is signed up (``circulation.review_problem``)."""
    if can_read_minutes(user, meeting):
        return True
    return _active(user) and review_problem(meeting, user) is None


def get_draft_meeting_or_404(meeting_id: int | None, user: User) -> Meeting:
    return fetch_or_404(
        Meeting, meeting_id, allowed=lambda meeting: can_review_draft(user, meeting), kind="meeting"
    )


def get_minutes_meeting_or_404(meeting_id: int | None, user: User) -> Meeting:
    return fetch_or_404(
        Meeting, meeting_id, allowed=lambda meeting: can_read_minutes(user, meeting), kind="meeting"
    )


def get_entry_or_404(meeting: Meeting, entry_id: int | None, user: User) -> MinuteEntry:
    """An entry of ``meeting`` (already authorised); 404 for an entry of another meeting."""
    return fetch_or_404(
        MinuteEntry,
        entry_id,
        allowed=lambda entry: (
            entry.agenda_item.meeting_id == meeting.id and can_read_minutes(user, meeting)
        ),
        kind="minute_entry",
    )
