"""Daily jobs run inside the app's own process: the embedded default (``make run``, jobs backend
``thread``), so a development or single-server install chases actions with nothing else
started. Production runs the same jobs from RQ's cron scheduler (``make scheduler``,
marac_app/cron_config.py) or a systemd timer running ``flask chase-actions``.

One daemon thread, started by the first request a serving process answers (never by a CLI
command), runs each job at once and then every ``interval`` seconds. The jobs themselves send
at most once per London day (a ``ScheduledJobRun`` row with a unique key), so running them
hourly, in two processes, or again after a restart catches up a missed day without sending
twice. A failing job is rolled back and logged by its exception type only (no personal data).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from flask import Flask

from marac_app.extensions import db

logger = logging.getLogger(__name__)

DailyJob = Callable[[], object]
DEFAULT_INTERVAL_SECONDS = 3600


def run_once(app: Flask, jobs: dict[str, DailyJob]) -> dict[str, bool]:
    """Run each job in its own transaction; which succeeded, by name."""
    done: dict[str, bool] = {}
    for name, job in jobs.items():
        with app.app_context():
            try:
                job()
                db.session.commit()
                done[name] = True
            except Exception as error:  # noqa: BLE001 - a daily job must not stop the thread
                db.session.rollback()
                logger.error("daily job %s failed: %s", name, type(error).__name__)
                done[name] = False
            finally:
                db.session.remove()
    return done


def install(
    app: Flask, jobs: dict[str, DailyJob], *, interval: float = DEFAULT_INTERVAL_SECONDS
) -> None:
    """Start the daily thread on the first request this process serves (config
    ``DAILY_JOBS_IN_PROCESS`` and the ``thread`` jobs backend)."""
    if app.config.get("JOBS_BACKEND", "thread") != "thread":
        return
    if not app.config.get("DAILY_JOBS_IN_PROCESS", True):
        return
    stop = threading.Event()
    app.extensions["marac_daily_jobs_stop"] = stop
    state = {"started": False}
    lock = threading.Lock()

    def _loop() -> None:
        while not stop.is_set():
            run_once(app, jobs)
            stop.wait(interval)

    @app.before_request
    def _start_daily_jobs() -> None:
        if state["started"]:
            return
        with lock:
            if state["started"]:
                return
            state["started"] = True
        threading.Thread(target=_loop, daemon=True, name="daily-jobs").start()
