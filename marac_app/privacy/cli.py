"""``flask backup`` and ``flask restore``: thin wrappers over marac_app.privacy.backup."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.extensions import db
from marac_app.privacy.backup import BackupError, backup_database, restore_database


def _database_url() -> str:
    return db.engine.url.render_as_string(hide_password=False)


@click.command("backup")
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The backup file to write (a zip with the image and a manifest).",
)
@with_appcontext
def backup_command(output: Path) -> None:
    """Back up the database online (SQLite backup API, or pg_dump in one snapshot)."""
    try:
        manifest = backup_database(_database_url(), output)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    record(AuditAction.DATABASE_BACKED_UP, detail=f"tables={len(manifest.row_counts)}")
    db.session.commit()
    click.echo(
        f"Backup written to {output}: {len(manifest.row_counts)} tables, "
        f"{manifest.total_rows} rows ({manifest.dialect}, revision {manifest.revision})."
    )


@click.command("restore")
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A backup file made by `flask backup`.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(input_path: Path, yes: bool) -> None:
    """Replace the database with a backup, after checking its integrity and row counts."""
    if not yes:
        click.confirm(
            f"This replaces every record in the {current_app.config['ENV_NAME']} "
            "database with the backup. Continue?",
            abort=True,
        )
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold the old database open
    try:
        manifest = restore_database(_database_url(), input_path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    record(AuditAction.DATABASE_RESTORED, detail=f"rows={manifest.total_rows}")
    db.session.commit()
    click.echo(
        f"Restored {input_path}: {len(manifest.row_counts)} tables, "
        f"{manifest.total_rows} rows, row counts verified."
    )
