"""``flask --app marac_app verify-audit``: check the audit trail's hash chain."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from marac_app.audit import Outcome, record
from marac_app.audit_actions import AuditAction
from marac_app.audit_review import services
from marac_app.extensions import db


@click.command("verify-audit")
@click.option(
    "--batch-size",
    default=services.VERIFY_BATCH,
    show_default=True,
    type=click.IntRange(100, 100_000),
    help="Events read from the database at a time.",
)
@with_appcontext
def verify_audit_command(batch_size: int) -> None:
    """Walk the audit trail's hash chain and report the first tampered event.

    Exits with status 0 when the trail is intact and 1 when it is not. The check itself is
    recorded in the audit trail.
    """
    report = services.verify_chain(batch=batch_size)
    if report.intact:
        record(
            AuditAction.AUDIT_VERIFIED,
            object_type="audit_event",
            detail=f"intact; events={report.events}",
        )
        db.session.commit()
        click.echo(f"Audit trail intact: {report.events} events")
        return
    record(
        AuditAction.AUDIT_VERIFIED,
        object_type="audit_event",
        object_id=report.bad_id,
        outcome=Outcome.FAILED,
        detail="tampered",
    )
    db.session.commit()
    click.echo(f"Audit trail TAMPERED: first bad event id={report.bad_id} ({report.reason})")
    raise SystemExit(1)
