"""``flask retention``: a thin wrapper over marac_app.privacy.retention."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.common.time import london_today
from marac_app.extensions import db
from marac_app.minutes import drafts
from marac_app.privacy import retention


@click.command("retention")
@click.option(
    "--dry-run",
    "mode",
    flag_value="dry-run",
    default=True,
    help="List what would be deleted (the default): case ids and references, counts.",
)
@click.option(
    "--apply",
    "mode",
    flag_value="apply",
    help="Delete, one case per transaction (safe to stop and run again).",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Count retention from this day instead of today (YYYY-MM-DD).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 1000),
    default=50,
    help="How many cases to fetch at a time.",
)
@with_appcontext
def retention_command(mode: str, today: datetime | None, batch_size: int) -> None:
    """Delete case records past their retention period (7 years after closure by default)."""
    day = today.date() if today is not None else london_today()
    if mode == "apply":
        run = retention.apply_retention(day, batch_size=batch_size)
        # As the retention job does: unsaved minutes text nobody came back to for 30 days.
        purged = drafts.purge_expired()
        db.session.commit()
        click.echo(f"Deleted {len(run.cases)} case(s), {run.rows} row(s).")
        click.echo(f"Deleted {purged} unsaved draft(s) not updated for 30 days.")
        return
    plan = retention.dry_run(day)
    cases = plan["cases"]
    record(AuditAction.RETENTION_DRY_RUN, object_type="case", detail=f"cases={len(cases)}")
    db.session.commit()
    click.echo(
        f"Dry run for {day.isoformat()}: cases closed before "
        f"{plan['cutoff'].isoformat()} and not under a legal hold."
    )
    for case_id, reference, closed_on in cases:
        click.echo(f"  case {case_id} {reference} closed {closed_on.isoformat()}")
    click.echo(f"{len(cases)} case(s) would be deleted.")
    for table, count in sorted(plan["counts"].items()):
        click.echo(f"  {table}: {count}")
    click.echo("Nothing was changed.")
