"""Background jobs: inline (tests), in-process thread (embedded default) and RQ on the real
Redis; the status page belongs to the person who started the job."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from flask import Flask

from marac_app.auth.models import Role
from marac_app.extensions import db
from marac_app.jobs import services
from marac_app.jobs.models import BackgroundJob, JobStatus


@pytest.fixture()
def echo_handler():
    calls: list[dict] = []

    @services.job_handler("test_echo", "Testing the queue")
    def handler(payload, job):
        calls.append(payload)
        if payload.get("fail"):
            raise RuntimeError("victim name must not appear anywhere")
        return services.JobResult(f"{payload['n']} things done", "/")

    yield calls
    services._HANDLERS.pop("test_echo", None)


def _enqueue(app: Flask, owner_id: int | None, **payload) -> int:
    with app.app_context():
        from marac_app.auth.models import User

        owner = db.session.get(User, owner_id) if owner_id else None
        job = services.enqueue("test_echo", payload, owner=owner)
        db.session.commit()
        return job.id


def _job(app: Flask, job_id: int) -> BackgroundJob:
    with app.app_context():
        job = db.session.get(BackgroundJob, job_id)
        db.session.refresh(job)
        db.session.expunge(job)
        return job


def test_inline_job_runs_and_records_its_result(app, echo_handler) -> None:
    job_id = _enqueue(app, None, n=3)
    with app.app_context():
        services.dispatch(db.session.get(BackgroundJob, job_id))
    job = _job(app, job_id)
    assert job.status == JobStatus.SUCCEEDED and job.message == "3 things done"
    assert job.started_at is not None and job.finished_at is not None
    assert echo_handler == [{"n": 3}]


def test_failing_job_is_recorded_without_its_error_text(app, echo_handler, caplog) -> None:
    job_id = _enqueue(app, None, n=1, fail=True)
    with app.app_context():
        services.run_job(job_id)
    job = _job(app, job_id)
    assert job.status == JobStatus.FAILED
    assert "victim" not in (job.message or "")
    assert "victim" not in caplog.text


def test_unknown_job_kind_is_refused(app) -> None:
    with app.app_context(), pytest.raises(KeyError):
        services.enqueue("no_such_kind", {}, owner=None)


def test_thread_backend_runs_the_job_in_process(echo_handler, monkeypatch, tmp_path) -> None:
    """The embedded default: a thread of the web process with its own session, on a database
    of its own (the suite's shared test connection cannot be used from two threads)."""
    from flask_migrate import upgrade

    from marac_app import create_app

    monkeypatch.setattr(db, "session", db._make_scoped_session({}))
    threaded = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'j.db'}", JOBS_BACKEND="thread"
    )
    with threaded.app_context():
        upgrade()
        job = services.enqueue("test_echo", {"n": 5}, owner=None)
        db.session.commit()
        job_id = job.id
        services.dispatch(job)
        deadline = time.monotonic() + 10
        status = JobStatus.QUEUED
        while status != JobStatus.SUCCEEDED and time.monotonic() < deadline:
            time.sleep(0.05)
            status = db.session.get(BackgroundJob, job_id).status
            db.session.rollback()  # end the read: SQLite's write lock must go to the job
        db.session.remove()
        db.engine.dispose()
    assert status == JobStatus.SUCCEEDED


def test_rq_backend_runs_the_job_through_redis(app, echo_handler, monkeypatch) -> None:
    from redis import Redis
    from rq import Queue, SimpleWorker

    from marac_app.jobs import worker

    redis = Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        redis.ping()
    except Exception:  # noqa: BLE001
        pytest.fail("Redis must be running on 127.0.0.1:6379 for this test")
    redis.flushdb()
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "rq")
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/15")
    monkeypatch.setattr(worker, "_app", app)
    job_id = _enqueue(app, None, n=7)
    with app.app_context():
        services.dispatch(db.session.get(BackgroundJob, job_id))
    queue = Queue(services.QUEUE_NAME, connection=redis)
    assert queue.count == 1
    assert _job(app, job_id).status == JobStatus.QUEUED
    SimpleWorker([queue], connection=redis).work(burst=True)
    assert _job(app, job_id).status == JobStatus.SUCCEEDED
    redis.flushdb()


def test_status_page_and_json_are_for_the_owner_only(
    app, echo_handler, make_user, auth, client
) -> None:
    owner = make_user(Role.COORDINATOR)
    job_id = _enqueue(app, owner.id, n=2)
    public_id = _job(app, job_id).public_id
    auth.sign_in_as(owner)
    page = client.get(f"/jobs/{public_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'aria-live="polite"' in html and "Testing the queue" in html
    assert "Waiting to start" in html
    data = client.get(f"/jobs/{public_id}/status.json").get_json()
    assert data["status"] == "queued" and data["finished"] is False
    with app.app_context():
        services.run_job(job_id)
    data = client.get(f"/jobs/{public_id}/status.json").get_json()
    assert data == {
        "status": "succeeded",
        "label": "Done",
        "finished": True,
        "message": "2 things done",
        "result_url": "/",
    }
    auth.sign_out()
    auth.sign_in_as(make_user(Role.COORDINATOR))
    assert client.get(f"/jobs/{public_id}").status_code == 404
    assert client.get(f"/jobs/{public_id}/status.json").status_code == 404
    assert client.get("/jobs/doesnotexist").status_code == 404


def test_job_rows_hold_no_personal_data_columns() -> None:
    columns = {c.name for c in sa.inspect(BackgroundJob).columns}
    assert columns == {
        "id",
        "public_id",
        "kind",
        "payload",
        "status",
        "owner_id",
        "created_at",
        "started_at",
        "finished_at",
        "message",
        "result_url",
    }
