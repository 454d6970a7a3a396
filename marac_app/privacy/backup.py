"""Backups and restores with the database's own online tools.

A backup file is a zip holding the database image and a manifest:

- SQLite: ``database.sqlite3`` made with SQLite's online backup API (consistent while the app
  keeps writing), and row counts read from that copy itself;
- PostgreSQL: ``database.pgdump`` made by ``pg_dump --format=custom`` inside an exported
  snapshot, with row counts read in the very same snapshot.

``manifest.json`` records the format, the dialect, the Alembic revision, the SHA-256 of the
image and the row count of every table. ``restore_database`` refuses a file whose zip is
damaged, whose image does not match its hash, whose SQLite integrity check fails, or whose
restored row counts differ from the manifest — before or after it touches the target, the
target is never left half-restored without saying so.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump/pg_restore are run with fixed argument lists
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import sqlalchemy as sa

logger = logging.getLogger(__name__)

FORMAT = "marac-manager-backup/1"
SQLITE_IMAGE = "database.sqlite3"
POSTGRES_IMAGE = "database.pgdump"
MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """The backup could not be made, or a file was refused for restore (message says why)."""


@dataclass
class Manifest:
    format: str
    dialect: str
    revision: str | None
    sha256: str
    row_counts: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _row_counts(connection: sa.Connection) -> dict[str, int]:
    names = sorted(sa.inspect(connection).get_table_names())
    return {
        # Names come from the catalogue; sa.table() quotes them (no SQL built from strings).
        name: int(
            connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
        )
        for name in names
    }


def _revision(connection: sa.Connection) -> str | None:
    if "alembic_version" not in sa.inspect(connection).get_table_names():
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _sqlite_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _pg_env(url: sa.URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore (the password through the environment)."""
    args = [
        "--host",
        url.host or "127.0.0.1",
        "--port",
        str(url.port or 5432),
        "--username",
        url.username or "postgres",
        "--dbname",
        url.database or "",
    ]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        # pg tools' messages name tables, never row contents.
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:500]}")


# --- Backup ------------------------------------------------------------------------------


def backup_database(url: str, output: Path) -> Manifest:
    """Write a consistent backup of the database at ``url`` to ``output`` (a zip)."""
    parsed = sa.make_url(url)
    output = Path(output)
    with tempfile.TemporaryDirectory(prefix="marac-backup-") as work:
        workdir = Path(work)
        if parsed.get_backend_name() == "sqlite":
            image = workdir / SQLITE_IMAGE
            source = sqlite3.connect(str(_sqlite_path(parsed)))
            target = sqlite3.connect(str(image))
            try:
                source.backup(target)  # the online backup API: consistent while others write
            finally:
                target.close()
                source.close()
            engine = sa.create_engine(f"sqlite:///{image}")
            try:
                with engine.connect() as connection:
                    counts, revision = _row_counts(connection), _revision(connection)
            finally:
                engine.dispose()
            dialect = "sqlite"
        elif parsed.get_backend_name() == "postgresql":
            image = workdir / POSTGRES_IMAGE
            counts, revision = _pg_dump_in_snapshot(parsed, image)
            dialect = "postgresql"
        else:
            raise BackupError(f"Backups of {parsed.get_backend_name()} are not supported")
        manifest = Manifest(FORMAT, dialect, revision, _sha256(image), counts)
        partial = output.with_name(output.name + ".partial")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.write(image, image.name)
            archive.writestr(MANIFEST, json.dumps(asdict(manifest), indent=2, sort_keys=True))
        partial.chmod(0o600)
        partial.replace(output)  # a finished file appears only when it is complete
    logger.info(
        "backup written: dialect=%s tables=%s rows=%s", dialect, len(counts), manifest.total_rows
    )
    return manifest


def _pg_dump_in_snapshot(url: sa.URL, image: Path) -> tuple[dict[str, int], str | None]:
    """pg_dump and the row counts from one exported snapshot, so they agree exactly."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
                counts, revision = _row_counts(connection), _revision(connection)
                args, env = _pg_env(url)
                _run(
                    [
                        "pg_dump",
                        *args,
                        "--format=custom",
                        "--no-owner",
                        "--no-privileges",
                        f"--snapshot={snapshot}",
                        "--file",
                        str(image),
                    ],
                    env,
                )
    finally:
        engine.dispose()
    return counts, revision


# --- Restore -----------------------------------------------------------------------------


@contextmanager
def _opened(path: Path) -> Iterator[tuple[Manifest, Path]]:
    """Check the backup file and yield its manifest and extracted image."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise BackupError(
            f"{path.name} is not a readable backup file (damaged or truncated)"
        ) from error
    with archive, tempfile.TemporaryDirectory(prefix="marac-restore-") as work:
        try:
            bad = archive.testzip()
            manifest = Manifest(**json.loads(archive.read(MANIFEST)))
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as error:
            raise BackupError(f"{path.name} is damaged: its manifest cannot be read") from error
        if bad is not None:
            raise BackupError(f"{path.name} is damaged: {bad} fails its checksum")
        if manifest.format != FORMAT:
            raise BackupError(f"{path.name} is not a MARAC Manager backup ({manifest.format})")
        name = SQLITE_IMAGE if manifest.dialect == "sqlite" else POSTGRES_IMAGE
        try:
            image = Path(archive.extract(name, work))
        except (KeyError, zipfile.BadZipFile, OSError) as error:
            raise BackupError(f"{path.name} is damaged: the database image is missing") from error
        if _sha256(image) != manifest.sha256:
            raise BackupError(
                f"{path.name} is damaged: the database image does not match its recorded hash"
            )
        yield manifest, image


def verify_backup(path: Path) -> Manifest:
    """Check a backup without restoring it (zip, hash, and for SQLite integrity + counts)."""
    with _opened(Path(path)) as (manifest, image):
        if manifest.dialect == "sqlite":
            _check_sqlite_image(image, manifest)
        return manifest


def _check_sqlite_image(image: Path, manifest: Manifest) -> None:
    connection = sqlite3.connect(str(image))
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError("The SQLite image fails its integrity check") from error
    finally:
        connection.close()
    if result != "ok":
        raise BackupError(f"The SQLite image fails its integrity check: {result[:200]}")
    engine = sa.create_engine(f"sqlite:///{image}")
    try:
        with engine.connect() as conn:
            counts = _row_counts(conn)
    finally:
        engine.dispose()
    if counts != manifest.row_counts:
        raise BackupError("The SQLite image's row counts differ from its manifest")


def restore_database(url: str, path: Path) -> Manifest:
    """Replace the database at ``url`` with the backup in ``path``, then verify row counts.

    Raises BackupError (nothing touched) when the file is refused.
    """
    parsed = sa.make_url(url)
    with _opened(Path(path)) as (manifest, image):
        if manifest.dialect != parsed.get_backend_name():
            raise BackupError(
                f"This backup is of a {manifest.dialect} database; the target is "
                f"{parsed.get_backend_name()}"
            )
        if manifest.dialect == "sqlite":
            _check_sqlite_image(image, manifest)
            target = _sqlite_path(parsed)
            source = sqlite3.connect(str(image))
            destination = sqlite3.connect(str(target))
            try:
                source.backup(destination)  # page-by-page copy into the live file, locked
            finally:
                destination.close()
                source.close()
        else:
            _restore_postgres(parsed, image)
        engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection:
                counts = _row_counts(connection)
        finally:
            engine.dispose()
        if counts != manifest.row_counts:
            raise BackupError(
                "The restored database's row counts differ from the backup's "
                "manifest: restore it again or from another backup"
            )
    logger.info("restore complete: dialect=%s rows=%s", manifest.dialect, manifest.total_rows)
    return manifest


def _restore_postgres(url: sa.URL, image: Path) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore is not installed")
    args, env = _pg_env(url)
    _run(
        [
            "pg_restore",
            *args,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            str(image),
        ],
        env,
    )
