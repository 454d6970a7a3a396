"""Background jobs of data protection: telling coordinators of an erasure, and the retention
deletion the DPO starts from the retention page (one case per transaction, so it may take a
while). Payloads hold ids and dates only."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.extensions import db
from marac_app.jobs.models import BackgroundJob
from marac_app.jobs.services import JobResult, enqueue, job_handler
from marac_app.minutes import drafts
from marac_app.privacy import erasure, retention

ERASURE_NOTICE = "privacy_erasure_notice"
APPLY_RETENTION = "privacy_apply_retention"


@job_handler(ERASURE_NOTICE, "Telling the coordinators about the erasure")
def tell_coordinators(payload: dict[str, Any], job: BackgroundJob) -> JobResult:
    area_ids = [int(i) for i in payload.get("area_ids", [])]
    sent = erasure.notify_coordinators(area_ids, base_url=current_app.config["PUBLIC_BASE_URL"])
    request_url = f"/privacy/requests/{int(payload['request_id'])}"
    if not sent:
        return JobResult(
            "No active coordinator was found for the area: tell the area yourself.",
            result_url=request_url,
        )
    people = "coordinator has" if sent == 1 else "coordinators have"
    return JobResult(
        f"{sent} {people} been emailed that a case in their area was erased.",
        result_url=request_url,
    )


def start_retention(today: date, case_ids: list[int], *, owner: User) -> BackgroundJob:
    """Queue the deletion of ``case_ids`` (past retention on ``today``) for ``owner`` and
    audit that it started. Flushes; the caller commits, then dispatches the job."""
    job = enqueue(APPLY_RETENTION, {"today": today.isoformat(), "case_ids": case_ids}, owner=owner)
    record(
        AuditAction.RETENTION_APPLY_STARTED,
        actor=owner,
        object_type="background_job",
        object_id=job.id,
        detail=f"cases={len(case_ids)}",
    )
    return job


@job_handler(APPLY_RETENTION, "Deleting records past their retention period")
def apply_retention(payload: dict[str, Any], job: BackgroundJob) -> JobResult:
    actor = db.session.get(User, job.owner_id) if job.owner_id is not None else None
    run = retention.apply_retention(
        date.fromisoformat(str(payload["today"])),
        only=[int(i) for i in payload.get("case_ids", [])],
        actor=actor,
    )
    # Unsaved minutes text nobody came back to for 30 days goes too (audited as a count).
    drafts.purge_expired(actor=actor)
    db.session.commit()
    cases = "case was" if len(run.cases) == 1 else "cases were"
    return JobResult(
        f"{len(run.cases)} {cases} deleted ({run.rows} records). Anonymous "
        "statistics and the references were kept.",
        result_url="/privacy/retention",
    )
