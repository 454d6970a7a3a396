"""Entry point for RQ workers (`make worker`): builds the app once per worker process."""

from __future__ import annotations

from flask import Flask

from marac_app.extensions import db

_app: Flask | None = None


def worker_app() -> Flask:
    global _app
    if _app is None:
        from marac_app import create_app

        _app = create_app()
    return _app


def run_job_in_worker(job_id: int) -> None:
    from marac_app.jobs.services import run_job

    with worker_app().app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()
