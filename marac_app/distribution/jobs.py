"""Background job: pre-render the approved minutes and email the new recipients a link."""

from __future__ import annotations

from typing import Any

from flask import current_app

from marac_app.distribution.recipients import notify_recipients
from marac_app.extensions import db
from marac_app.jobs.models import BackgroundJob
from marac_app.jobs.services import JobResult, job_handler
from marac_app.meetings.models import Meeting

SEND_MINUTES = "distribution_send_minutes"


@job_handler(SEND_MINUTES, "Sending the minutes")
def send_minutes(payload: dict[str, Any], job: BackgroundJob) -> JobResult:
    meeting = db.session.get(Meeting, int(payload["meeting_id"]))
    if meeting is None:
        return JobResult("The meeting no longer exists: nothing was sent.")
    result = notify_recipients(meeting, base_url=current_app.config["PUBLIC_BASE_URL"])
    people = "person has" if result.sent == 1 else "people have"
    return JobResult(
        f"The minutes are ready and {result.sent} {people} been emailed a link to download "
        "their copy.",
        result_url=f"/distribution/meetings/{meeting.id}/recipients",
    )
