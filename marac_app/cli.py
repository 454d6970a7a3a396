"""Command-line tools: thin wrappers over the same services the web pages use."""

from __future__ import annotations

import logging
import sys
from typing import TypeVar

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from marac_app.agencies.models import Agency, MaracArea
from marac_app.auth import services as auth_services
from marac_app.auth.models import Role
from marac_app.common.errors import ServiceError
from marac_app.extensions import db

Named = TypeVar("Named", Agency, MaracArea)


def _by_name(model: type[Named], name: str | None, what: str) -> int | None:
    if not name:
        return None
    found = db.session.scalar(sa.select(model).where(sa.func.lower(model.name) == name.lower()))
    if found is None:
        raise click.UsageError(f"No {what} is called {name!r}.")
    return found.id


@click.command("create-user")
@click.option("--email", required=True, help="Sign-in email address (unique).")
@click.option("--name", required=True, help="Full name.")
@click.option(
    "--role",
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="admin, coordinator, chair or agency_rep.",
)
@click.option("--agency", help="Agency name (needed by coordinator, chair and agency_rep).")
@click.option("--area", help="MARAC area name (needed by coordinator and chair).")
@click.option("--job-title", default="", help="Job title.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (never from the command line).",
)
@with_appcontext
def create_user_command(
    email: str,
    name: str,
    role: str,
    agency: str | None,
    area: str | None,
    job_title: str,
    password_stdin: bool,
) -> None:
    """Create a user. With --password-stdin the password is read from standard input;
    without it, a one-time set-password link is printed for the user."""
    details = auth_services.UserDetails(
        email=email,
        name=name,
        job_title=job_title,
        role=Role(role),
        agency_id=_by_name(Agency, agency, "agency"),
        area_id=_by_name(MaracArea, area, "area"),
    )
    try:
        user = auth_services.create_user(details, actor=None)
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            auth_services.set_password(user, password)
            message = f"Created {user.email} ({user.role.label})."
        else:
            token = auth_services.issue_set_password_token(
                user, actor=None, hours=current_app.config["SET_PASSWORD_TOKEN_HOURS"]
            )
            base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
            message = (
                f"Created {user.email} ({user.role.label}). Give them this one-time link "
                f"to set a password:\n{base}/set-password/{token}"
            )
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(message)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed when the database has no users.")
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Add fictional demo areas, agencies and users (idempotent). Refused in production."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("seed-demo is refused in production.")
    from marac_app.auth.models import User
    from marac_app.demo import seed_demo

    if if_empty and db.session.scalar(sa.select(sa.func.count(User.id))):
        click.echo("The database already has users: demo data was not added.")
        click.echo(demo_sign_in_table())
        return
    # The audit events are written as ever; only the app's information log lines are held
    # back here (warnings still show), so the sign-in table is on the first screen of
    # `make run`'s output.
    app_logger = logging.getLogger("marac_app")
    level = app_logger.level
    app_logger.setLevel(logging.WARNING)
    try:
        created = seed_demo()
        db.session.commit()
    finally:
        app_logger.setLevel(level)
    click.echo(
        f"Demo data: {created} new record(s) added."
        if created
        else "Demo data already present: nothing added."
    )
    click.echo(demo_sign_in_table())


def demo_sign_in_table() -> str:
    from marac_app.demo import DEMO_USERS

    lines = ["", "Demo sign-ins (fictional people; for development only):"]
    for person in DEMO_USERS:
        lines.append(f"  {person.role.label:<24} {person.email:<40} {person.password}")
    return "\n".join(lines)


def register(app: Flask) -> None:
    from marac_app.privacy.cli import backup_command, restore_command
    from marac_app.privacy.retention_cli import retention_command

    app.cli.add_command(retention_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    from marac_app.safeguards.cli import flags_lapsing_command

    app.cli.add_command(flags_lapsing_command)
    from marac_app.audit_review.cli import verify_audit_command

    app.cli.add_command(verify_audit_command)
    from marac_app.distribution.cli import minutes_pdf_command

    app.cli.add_command(minutes_pdf_command)
    from marac_app.action_items.cli import chase_actions_command

    app.cli.add_command(chase_actions_command)


__all__ = ["register"]
