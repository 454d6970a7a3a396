"""``flask flags-lapsing``: the monthly notice of flags about to lapse (counts only).

Run monthly (a systemd timer or cron: ``flask flags-lapsing --within-days 31``). Each signed-up
agency with flags lapsing within the window gets one email per active representative (its
points of contact when it has named some): how many flags lapse, and a sign-in link to the
flag register. No case reference, name or address is ever in the email.
"""

from __future__ import annotations

import smtplib

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from marac_app import mail
from marac_app.action_items.chasing_models import PointOfContact
from marac_app.agencies.models import Agency
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, User
from marac_app.extensions import db
from marac_app.protocol.services import signup_problem
from marac_app.safeguards.flags import flags_lapsing

SUBJECT = "MARAC flags lapsing soon"


def notice_body(count: int, within_days: int, link: str) -> str:
    """The email: a count and a sign-in link, nothing about any case."""
    flags = "1 flag" if count == 1 else f"{count} flags"
    return (
        f"{flags} on your agency's MARAC flag register will lapse in the next "
        f"{within_days} days.\n\n"
        "Flags last 12 months from the victim's last referral. Sign in to see your agency's "
        f"flag register:\n{link}\n\n"
        "No case details are included in this email. Do not forward it.\n"
    )


def _recipients(agency: Agency) -> list[User]:
    """The agency's named points of contact when it has any, else its representatives."""
    reps = sa.select(User).where(
        User.agency_id == agency.id, User.role == Role.AGENCY_REP, User.active.is_(True)
    )
    contacts = list(
        db.session.scalars(
            reps.where(
                User.id.in_(
                    sa.select(PointOfContact.user_id).where(PointOfContact.agency_id == agency.id)
                )
            ).order_by(User.id)
        )
    )
    return contacts or list(db.session.scalars(reps.order_by(User.id)))


def send_lapsing_notices(within_days: int) -> int:
    """Email every agency with flags lapsing within ``within_days``; the number of emails
    sent. Flushes the audit events (the caller commits)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    link = f"{base}/safeguards/flags"
    sent = 0
    for agency in db.session.scalars(sa.select(Agency).where(Agency.active.is_(True))):
        if signup_problem(agency) is not None:
            continue
        count = len(flags_lapsing(agency, within_days))
        if not count:
            continue
        for person in _recipients(agency):
            try:
                mail.send(
                    mail.build_message(person.email, SUBJECT, notice_body(count, within_days, link))
                )
            except (OSError, smtplib.SMTPException):
                raise click.ClickException("The email could not be sent") from None
            record(
                AuditAction.FLAGS_LAPSING_NOTICE_SENT,
                object_type="user",
                object_id=person.id,
                detail=f"agency={agency.id} count={count} within_days={within_days}",
            )
            sent += 1
    return sent


@click.command("flags-lapsing")
@click.option("--within-days", default=31, show_default=True, type=click.IntRange(1, 366))
@with_appcontext
def flags_lapsing_command(within_days: int) -> None:
    """Email each agency how many of its flags lapse within WITHIN_DAYS (counts only)."""
    sent = send_lapsing_notices(within_days)
    db.session.commit()
    click.echo(f"{sent} email(s) sent.")
