"""RQ's cron scheduler configuration (rq >= 2.4, ``rq cron``): ``make scheduler``.

The scheduler only enqueues; ``make worker`` runs what it enqueues. "chase-actions" is
enqueued every hour from 07:05 to 18:05 (UTC, the scheduler's clock) and sends at most once
per London day (a ``ScheduledJobRun`` row), so a scheduler or worker that was down at 07:05
catches up at the next hour, once, and a day with nothing running is covered by the next
day's run rather than replayed.
"""

from __future__ import annotations

from rq import cron

from marac_app.daily_jobs import run_daily_jobs_in_worker
from marac_app.jobs.services import QUEUE_NAME

cron.register(
    run_daily_jobs_in_worker,
    queue_name=QUEUE_NAME,
    cron="5 7-18 * * *",
    job_timeout=1800,
    name="daily-jobs",
)
