"""``flask flags-lapsing``: the monthly notice of flags about to lapse (counts only).

Sent once per London month by ``run_monthly_notices``, which the daily jobs call (in the
serving process, or RQ's cron scheduler: marac_app/cron_config.py), so a month whose first
days nothing ran is still covered; ``flask flags-lapsing`` sends one now. Each signed-up
agency with flags lapsing within the window gets one email per active representative (its
points of contact when it has named some): how many flags lapse, and a sign-in link to the
flag register. No case reference, name or address is ever in the email.
"""

from __future__ import annotations

import smtplib
from datetime import date

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError

from marac_app import mail
from marac_app.action_items.chasing_models import PointOfContact
from marac_app.agencies.models import Agency
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, User
from marac_app.common.time import london_today
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.jobs.models import ScheduledJobRun
from marac_app.notifications.models import NotificationKind
from marac_app.notifications.services import notify, wants_email
from marac_app.protocol.services import signup_problem
from marac_app.safeguards.flags import flags_lapsing

SUBJECT = "MARAC flags lapsing soon"
MONTHLY_JOB = "flags-lapsing"
WITHIN_DAYS = 31


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
            flags = "1 flag" if count == 1 else f"{count} flags"
            notify(
                person,
                NotificationKind.FLAGS_LAPSING,
                "/safeguards/flags",
                f"{flags} on your agency's flag register will lapse in the next {within_days} days",
                email=False,  # this notice is the email, for those who want it
            )
            if not wants_email(person, NotificationKind.FLAGS_LAPSING):
                continue
            mail.send(
                mail.build_message(person.email, SUBJECT, notice_body(count, within_days, link))
            )
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
    try:
        sent = send_lapsing_notices(within_days)
    except (OSError, smtplib.SMTPException):
        db.session.rollback()
        raise click.ClickException("The email could not be sent") from None
    db.session.commit()
    click.echo(f"{sent} email(s) sent.")


def run_monthly_notices(*, today: date | None = None, within_days: int = WITHIN_DAYS) -> int | None:
    """The notices for ``today``'s London month, once: the number of emails sent, or None when
    this month's were already sent (a ``ScheduledJobRun`` for the month's first day). Flushes;
    the caller commits (a failed send rolls the month's row back with it, so it is retried)."""
    month = (today or london_today()).replace(day=1)
    row = ScheduledJobRun(job=MONTHLY_JOB, run_on=month, started_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return None
    sent = send_lapsing_notices(within_days)
    row.finished_at, row.detail = utcnow(), f"emails={sent} within_days={within_days}"
    db.session.flush()
    return sent
