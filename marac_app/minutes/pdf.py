"""The minutes PDF and the per-agency action extract: the minutes data model rendered by the
documents layer (``marac_app.documents.pdf``) as tagged PDF/UA-1, en-GB."""

from __future__ import annotations

from collections.abc import Sequence

from marac_app.documents.pdf import html_to_pdf, render_html
from marac_app.minutes.document import (
    ActionLine,
    MeetingInfo,
    MinutesDocument,
    extract_title,
    minutes_title,
)


def minutes_html(doc: MinutesDocument) -> str:
    """The HTML the minutes PDF is rendered from (exposed for the benchmark and tests)."""
    return render_html(
        "distribution/minutes_pdf.html",
        doc=doc,
        title=minutes_title(doc.area_name, doc.meeting_date),
    )


def action_extract_html(
    agency_name: str, meeting: MeetingInfo, actions: Sequence[ActionLine]
) -> str:
    mine = [a for a in actions if a.agency == agency_name]
    return render_html(
        "distribution/action_extract_pdf.html",
        agency_name=agency_name,
        meeting=meeting,
        actions=mine,
        title=extract_title(meeting.area_name, meeting.meeting_date, agency_name),
    )


def render_minutes_pdf(doc: MinutesDocument) -> bytes:
    """The master (unstamped) minutes PDF for ``doc``: tagged PDF/UA-1, en-GB."""
    return html_to_pdf(minutes_html(doc))


def render_action_extract_pdf(
    agency_name: str, meeting: MeetingInfo, actions: Sequence[ActionLine]
) -> bytes:
    """A PDF listing only ``agency_name``'s actions (others in ``actions`` are dropped)."""
    return html_to_pdf(action_extract_html(agency_name, meeting, actions))
