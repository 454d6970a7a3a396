"""The daily jobs, listed once for every way they run: in the serving process
(marac_app/jobs/daily.py, the embedded default), from RQ's cron scheduler
(marac_app/cron_config.py, ``make scheduler``), or by hand (``flask chase-actions``,
``flask flags-lapsing``). Each sends at most once per period (a ``ScheduledJobRun`` row), so
running them hourly, twice, or after a gap catches up without sending twice.
"""

from __future__ import annotations

from marac_app.jobs.daily import DailyJob, run_once
from marac_app.jobs.worker import worker_app


def daily_jobs() -> dict[str, DailyJob]:
    """By name, in the order they run: the actions chase and digests (once per London day),
    then the flags-lapsing notices (once per London month)."""
    from marac_app.action_items.chasing import run_chase_job
    from marac_app.safeguards.cli import run_monthly_notices

    return {"chase-actions": run_chase_job, "flags-lapsing": run_monthly_notices}


def run_daily_jobs_in_worker() -> None:
    """What RQ's cron scheduler enqueues (``make worker`` runs it): every daily job, each in
    its own transaction. A job that fails is logged by type and retried at the next hour."""
    done = run_once(worker_app(), daily_jobs())
    failed = sorted(name for name, ok in done.items() if not ok)
    if failed:
        raise RuntimeError(f"daily jobs failed: {', '.join(failed)}")
