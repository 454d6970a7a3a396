"""``flask chase-actions``: the daily chasing job (marac_app/action_items/chasing.py) by hand.

Run by RQ's cron scheduler in production (``make scheduler``, marac_app/cron_config.py)
or by a systemd timer; by hand or a timer in development. Safe to run as often as you like:
it sends at most once per London day.
"""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from marac_app.action_items.chasing import run_chase_job
from marac_app.extensions import db


@click.command("chase-actions")
@click.option(
    "--date",
    "on",
    default=None,
    help="Run for this day (YYYY-MM-DD) instead of today in London (testing a catch-up).",
)
@with_appcontext
def chase_actions_command(on: str | None) -> None:
    """Email each agency its overdue and due-soon action counts, and the pre-meeting digests."""
    try:
        today = date.fromisoformat(on) if on else None
    except ValueError as error:
        raise click.BadParameter("Give the date as YYYY-MM-DD", param_hint="--date") from error
    try:
        run = run_chase_job(today=today)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if run.skipped:
        click.echo(f"chase-actions already ran for {run.run_on.isoformat()}: nothing sent.")
        return
    click.echo(
        f"chase-actions for {run.run_on.isoformat()}: {run.agencies_chased} agencies chased "
        f"({run.emails} emails), {run.digests} meeting digests, "
        f"{run.missed_days} missed days caught up."
    )
