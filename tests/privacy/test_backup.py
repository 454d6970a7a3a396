"""Backups: taken while the app writes, restored to identical row counts; damaged files refused.

Each test works on databases of its own (a SQLite file, or PostgreSQL databases beside the test
database), never on the suite's shared test database.
"""

from __future__ import annotations

import os
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from marac_app import create_app
from marac_app.extensions import db
from marac_app.privacy.backup import BackupError, backup_database, restore_database

POSTGRES_URL = os.environ.get("MARAC_TEST_DATABASE_URL")


def _admin_engine(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture()
def fresh_database(tmp_path: Path, monkeypatch) -> Iterator[Callable[[str], str]]:
    """Factory: an empty database URL of the suite's kind, migrated to head."""
    monkeypatch.setattr(db, "session", db._make_scoped_session({}))
    made: list[sa.URL] = []

    def factory(name: str) -> str:
        if POSTGRES_URL:
            main = sa.make_url(POSTGRES_URL)
            url = main.set(database=f"{main.database}_{name}")
            engine = _admin_engine(url)
            with engine.connect() as connection:
                connection.execute(
                    sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
                )
                connection.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
            engine.dispose()
            made.append(url)
            text = url.render_as_string(hide_password=False)
        else:
            text = f"sqlite:///{tmp_path / (name + '.sqlite3')}"
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=text)
        with app.app_context():
            upgrade()
            db.session.remove()
            db.engine.dispose()
        return text

    yield factory
    for url in made:
        engine = _admin_engine(url)
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        engine.dispose()


def _counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return {
                name: connection.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
                for name in sa.inspect(connection).get_table_names()
            }
    finally:
        engine.dispose()


def _writer(url: str, stop: threading.Event, written: list[int]) -> None:
    """Keeps adding areas (one transaction each) until told to stop, as a busy app would."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    n = 0
    try:
        while not stop.is_set():
            n += 1
            with engine.begin() as connection:
                connection.execute(
                    sa.text(
                        "INSERT INTO marac_area (name, code, active, created_at) "
                        "VALUES (:name, :code, :active, CURRENT_TIMESTAMP)"
                    ),
                    {"name": f"Busy area {n}", "code": f"B{n}"[:8], "active": True},
                )
            written.append(n)
            time.sleep(0.002)
    finally:
        engine.dispose()


def test_backup_while_writing_restores_identical_row_counts(fresh_database, tmp_path) -> None:
    source = fresh_database("backup_source")
    stop, written = threading.Event(), []
    thread = threading.Thread(target=_writer, args=(source, stop, written))
    thread.start()
    try:
        while len(written) < 20:  # the writer is busy before the backup starts
            time.sleep(0.01)
        started = len(written)
        manifest = backup_database(source, tmp_path / "marac.backup")
        finished = len(written)
        deadline = time.monotonic() + 10
        while len(written) <= finished and time.monotonic() < deadline:
            time.sleep(0.01)  # at least one write lands after the backup's snapshot
    finally:
        stop.set()
        thread.join(timeout=10)
    assert manifest.row_counts["marac_area"] >= started >= 20
    assert len(written) > finished, "the writer stopped: the point-in-time check would be empty"
    target = fresh_database("backup_target")
    restored = restore_database(target, tmp_path / "marac.backup")
    assert restored.row_counts == manifest.row_counts
    assert _counts(target) == manifest.row_counts
    assert _counts(target)["marac_area"] < _counts(source)["marac_area"]  # a point in time


def test_truncated_backup_is_refused_and_target_untouched(fresh_database, tmp_path) -> None:
    source = fresh_database("trunc_source")
    engine = sa.create_engine(source, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO marac_area (name, code, active, created_at) "
                "VALUES ('Kept', 'KEPT', true, CURRENT_TIMESTAMP)"
            )
        )
    engine.dispose()
    path = tmp_path / "whole.backup"
    backup_database(source, path)
    data = path.read_bytes()
    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(data[: len(data) // 2])
    target = fresh_database("trunc_target")
    before = _counts(target)
    with pytest.raises(BackupError, match="damaged|truncated"):
        restore_database(target, truncated)
    assert _counts(target) == before


def test_backup_with_altered_image_is_refused(fresh_database, tmp_path) -> None:
    source = fresh_database("alter_source")
    path = tmp_path / "altered.backup"
    manifest = backup_database(source, path)
    altered = tmp_path / "altered2.backup"
    with zipfile.ZipFile(path) as original, zipfile.ZipFile(altered, "w") as copy:
        for item in original.infolist():
            content = original.read(item.filename)
            if item.filename.startswith("database."):
                middle = len(content) // 2
                flipped = bytes(b ^ 0xFF for b in content[middle : middle + 64])
                content = content[:middle] + flipped + content[middle + 64 :]
            copy.writestr(item.filename, content)
    with pytest.raises(BackupError, match="does not match its recorded hash"):
        restore_database(source, altered)
    assert manifest.sha256


def test_backup_and_restore_commands(fresh_database, tmp_path) -> None:
    url = fresh_database("cli_db")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    runner = app.test_cli_runner()
    out = tmp_path / "cli.backup"
    result = runner.invoke(args=["backup", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output and out.exists()
    result = runner.invoke(args=["restore", "--input", str(out), "--yes"])
    assert result.exit_code == 0, result.output
    assert "row counts verified" in result.output
    bad = tmp_path / "bad.backup"
    bad.write_bytes(b"not a backup")
    result = runner.invoke(args=["restore", "--input", str(bad), "--yes"])
    assert result.exit_code != 0 and "not a readable backup file" in result.output
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
