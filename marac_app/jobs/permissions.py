"""A job is visible only to the person who started it (404 for anyone else)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from marac_app.auth.models import User
from marac_app.extensions import db
from marac_app.jobs.models import BackgroundJob
from marac_app.permissions import deny, mark_authorised


def can_view_job(user: User, job: BackgroundJob) -> bool:
    return user.is_authenticated and job.owner_id == user.id


def get_job_or_404(public_id: str, user: User) -> BackgroundJob:
    job = db.session.scalar(sa.select(BackgroundJob).where(BackgroundJob.public_id == public_id))
    if job is None:
        abort(404)
    if not can_view_job(user, job):
        deny(f"job:{job.id}", object_type="background_job", object_id=job.id)
    mark_authorised("background_job", public_id)
    return job
