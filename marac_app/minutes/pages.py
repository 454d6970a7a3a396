"""What the minutes pages share: loading a case on a meeting's list (404 otherwise), the
chair-only check, in-place answers for live.mjs, and where drafts.mjs saves.

Used by the minutes blueprint's view modules (case_views.py, entry_views.py,
meeting_views.py); every URL on them is for the chairs and coordinators of the meeting's
area only, and everyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from flask_login import current_user

from marac_app.meetings.models import Meeting
from marac_app.minutes import services
from marac_app.minutes.permissions import can_chair_minutes, get_minutes_meeting_or_404
from marac_app.permissions import deny
from marac_app.referrals.models import AgendaItem
from marac_app.referrals.permissions import get_case_or_404


def to_int(value: Any) -> int | None:
    """``value`` as an int, or None when it is not one (a form field or a query argument)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def load_item(meeting_id: int, case_id: int) -> tuple[Meeting, AgendaItem]:
    """The meeting and the case's agenda item on it; 404 (audited) unless the user may see
    both and the case is on that meeting's list."""
    meeting = get_minutes_meeting_or_404(meeting_id, current_user)
    case = get_case_or_404(case_id, current_user)
    item = services.agenda_item_for(meeting, case.id)
    if item is None:
        deny(
            f"agenda_item:meeting={meeting.id},case={case.id}",
            object_type="case",
            object_id=case.id,
        )
    return meeting, item


def require_chair(meeting: Meeting, what: str) -> None:
    """403 (audited, as ``what``) unless the user may chair the meeting's minutes."""
    if not can_chair_minutes(current_user, meeting):
        deny(
            f"{what}:meeting={meeting.id}", status=403, object_type="meeting", object_id=meeting.id
        )


def wants_fragment() -> bool:
    """Whether live.mjs sent this save or poll (``X-Requested-With: fetch``): it is answered
    with a fragment of the page's live regions, not a redirect or a whole page."""
    return request.headers.get("X-Requested-With") == "fetch"


def draft_url_for(meeting: Meeting, item: AgendaItem) -> str | None:
    """Where drafts.mjs saves this case's drafts (minutes/draft_views.py), when installed."""
    if "minutes.save_draft" not in current_app.view_functions:
        return None
    return url_for("minutes.save_draft", meeting_id=meeting.id, case_id=item.case_id)
