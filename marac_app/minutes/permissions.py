"""Who may read and write the minutes. Fetch-then-authorise: load (404), check (404).

- The chair of the meeting's area writes entries, the risk summary, approves and amends.
- The coordinator of the area reads everything and, as minute-taker, may add and edit
  entries and agree actions (but not the risk summary, approval or amendments).
- Agency representatives do not read minutes in the app (they receive distributed copies):
  every minutes URL is 404 for them, as for admins, the DPO and other areas' staff.
"""

from __future__ import annotations

from marac_app.auth.models import Role, User
from marac_app.meetings.models import Meeting
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
