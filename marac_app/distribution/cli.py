"""``flask minutes-pdf``: issue a stamped copy of approved minutes from the command line.

Goes through the same service as the download page (``issue_minutes_copy``): the same access
rule, the same distribution log and the same audit event, with the IP recorded as ``cli``.
"""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from marac_app.auth.models import User
from marac_app.distribution.copies import CopyRefused
from marac_app.distribution.recipients import issue_minutes_copy
from marac_app.extensions import db
from marac_app.meetings.models import Meeting


@click.command("minutes-pdf")
@click.argument("meeting_id", type=int)
@click.option(
    "--recipient",
    "email",
    required=True,
    help="Email of the person the copy is issued to (and stamped with).",
)
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write the PDF to (created readable by you only).",
)
@with_appcontext
def minutes_pdf_command(meeting_id: int, email: str, output: Path) -> None:
    """Issue a stamped copy of MEETING_ID's approved minutes to a recipient."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise click.ClickException(f"No meeting has the id {meeting_id}.")
    recipient = db.session.scalar(
        sa.select(User).where(sa.func.lower(User.email) == email.strip().lower())
    )
    if recipient is None:
        raise click.ClickException("No user has that email address.")
    try:
        copy, pdf = issue_minutes_copy(meeting, recipient, actor=None, ip="cli")
    except CopyRefused as error:
        db.session.rollback()
        raise click.ClickException(f"Refused: {error}.") from None
    output.touch(mode=0o600, exist_ok=True)
    output.chmod(0o600)
    output.write_bytes(pdf)
    try:
        db.session.commit()  # the copy exists only if it is logged and audited
    except Exception:
        output.unlink(missing_ok=True)
        raise
    click.echo(f"Issued document {copy.document_id} ({len(pdf)} bytes) to {output}.")
