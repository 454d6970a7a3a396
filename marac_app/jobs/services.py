"""Queue and run background jobs.

A feature registers a job function with ``@job_handler("kind")``; the function takes the job's
payload dict and the job row, does its work through the normal services (auditing as it goes)
and returns a ``JobResult``. ``enqueue`` adds the row (flush only); the view commits, then calls
``dispatch`` so the job never runs before the request's transaction is visible.

Backends (config ``JOBS_BACKEND``): ``rq`` — Redis Queue (production, ``make worker``);
``thread`` — a daemon thread in this process (the embedded default); ``inline`` — run at once
in ``dispatch`` (tests, CLI).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from marac_app.auth.models import User
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.jobs.models import BackgroundJob, JobStatus

logger = logging.getLogger(__name__)

QUEUE_NAME = "marac"


@dataclass(frozen=True)
class JobResult:
    message: str
    result_url: str | None = None


Handler = Callable[[dict[str, Any], BackgroundJob], JobResult]
_HANDLERS: dict[str, Handler] = {}
_TITLES: dict[str, str] = {}


def job_handler(kind: str, title: str) -> Callable[[Handler], Handler]:
    """Register ``function`` as the handler for jobs of ``kind``; ``title`` heads its status
    page (e.g. "Sending the invitations")."""

    def decorator(function: Handler) -> Handler:
        _HANDLERS[kind] = function
        _TITLES[kind] = title
        return function

    return decorator


def title_of(kind: str) -> str:
    return _TITLES.get(kind, "Your request")


def load_handlers(features: list[str]) -> None:
    """Import ``marac_app.<feature>.jobs`` where it exists, so every process (web or worker)
    knows every handler."""
    import importlib
    import importlib.util

    for feature in features:
        name = f"marac_app.{feature}.jobs"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def enqueue(kind: str, payload: dict[str, Any], *, owner: User | None) -> BackgroundJob:
    """Add a queued job (flushed, not committed). Raises KeyError for an unknown kind."""
    if kind not in _HANDLERS:
        raise KeyError(f"no handler for job kind {kind!r}")
    job = BackgroundJob(kind=kind, payload=payload, owner_id=owner.id if owner else None)
    db.session.add(job)
    db.session.flush()
    return job


def dispatch(job: BackgroundJob) -> None:
    """Start ``job`` with the configured backend. Call after the request has committed."""
    backend = current_app.config.get("JOBS_BACKEND", "thread")
    job_id = job.id
    if backend == "inline":
        run_job(job_id)
    elif backend == "rq":
        from redis import Redis
        from rq import Queue

        queue = Queue(QUEUE_NAME, connection=Redis.from_url(current_app.config["REDIS_URL"]))
        queue.enqueue(
            "marac_app.jobs.worker.run_job_in_worker",
            job_id,
            job_timeout=current_app.config.get("JOBS_TIMEOUT_SECONDS", 600),
        )
    else:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        threading.Thread(
            target=_run_in_thread, args=(app, job_id), daemon=True, name=f"job-{job_id}"
        ).start()


def _run_in_thread(app: Flask, job_id: int) -> None:
    with app.app_context():
        run_job(job_id)
        db.session.remove()


def run_job(job_id: int) -> BackgroundJob | None:
    """Run one job to the end, committing its status before and after. Never raises for a
    failing handler: the failure is recorded on the job (type only, no message text)."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.status.finished:
        return job
    job.status, job.started_at = JobStatus.RUNNING, utcnow()
    db.session.commit()
    try:
        result = _HANDLERS[job.kind](dict(job.payload or {}), job)
    except Exception as error:  # noqa: BLE001 - every failure must be recorded, not lost
        db.session.rollback()
        job = db.session.get(BackgroundJob, job_id)
        if job is None:  # removed while it ran: nothing left to record the failure on
            logger.error("job %s failed and is gone: %s", job_id, type(error).__name__)
            return None
        job.status, job.finished_at = JobStatus.FAILED, utcnow()
        job.message = "Something went wrong. Try again, or tell your administrator."
        db.session.commit()
        logger.error("job %s (%s) failed: %s", job_id, job.kind, type(error).__name__)
        return job
    job.status, job.finished_at = JobStatus.SUCCEEDED, utcnow()
    job.message, job.result_url = result.message[:255], result.result_url
    db.session.commit()
    logger.info("job %s (%s) done", job_id, job.kind)
    return job
