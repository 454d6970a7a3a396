"""Fixtures for the browser tests: a live server running the real app, and Debian chromium.

The live server is the real application started with ``flask run`` in a subprocess, on its
own fresh database (migrated and seeded with the demo data by the real CLI commands):

* by default a temporary SQLite file;
* when ``MARAC_TEST_DATABASE_URL`` is set, a separate PostgreSQL database called
  ``<that database>_browser`` on the same server (the main test database is never touched,
  because the other tests use it).

Chromium is the Debian package (``make system-deps`` installs it); Playwright never
downloads a browser here.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from marac_app.demo import DEMO_USERS, DemoUser

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = REPO_ROOT / ".venv" / "bin"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT_SECONDS = 30


# --- The demo people and agencies the journeys use (marac_app.demo) ---------------------


def demo_user(email: str) -> DemoUser:
    """The demo person with ``email`` (the journeys sign in as them)."""
    return next(person for person in DEMO_USERS if person.email == email)


CHAIR = demo_user("chair@demo.example")
COORDINATOR = demo_user("coordinator@demo.example")
POLICE_REP = demo_user("police.rep@demo.example")
POLICE = "Fenshire Constabulary (demo)"
HOUSING = "Riverside Housing Association (demo)"


# --- The database the live server uses -------------------------------------------------


def _maintenance_engine(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def _recreate_postgres_database(url: sa.URL) -> None:
    engine = _maintenance_engine(url)
    try:
        with engine.connect() as connection:
            name = connection.dialect.identifier_preparer.quote(url.database)
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(sa.text(f"CREATE DATABASE {name}"))
    finally:
        engine.dispose()


def _drop_postgres_database(url: sa.URL) -> None:
    engine = _maintenance_engine(url)
    try:
        with engine.connect() as connection:
            name = connection.dialect.identifier_preparer.quote(url.database)
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def browser_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database for the live server (never the main test database)."""
    main_url = os.environ.get("MARAC_TEST_DATABASE_URL")
    if not main_url:
        yield f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'marac-browser.sqlite3'}"
        return
    parsed = sa.make_url(main_url)
    if not parsed.get_backend_name().startswith("postgresql") or not parsed.database:
        pytest.fail(
            f"MARAC_TEST_DATABASE_URL must be a postgresql+psycopg:// URL with a "
            f"database name, not {parsed.render_as_string(hide_password=True)!r}"
        )
    url = parsed.set(database=f"{parsed.database}_browser")
    _recreate_postgres_database(url)
    yield url.render_as_string(hide_password=False)
    _drop_postgres_database(url)


# --- The live server ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _flask_command(*args: str) -> list[str]:
    flask = VENV_BIN / "flask"
    if flask.exists():
        return [str(flask), "--app", "marac_app", *args]
    return [sys.executable, "-m", "flask", "--app", "marac_app", *args]


def _run_cli(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        _flask_command(*args),
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`flask --app marac_app {' '.join(args)}` failed "
            f"(exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
        )


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local http
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _log(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture(scope="session")
def live_server(
    browser_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of the real app, served by ``flask run`` on a free port, migrated and
    seeded with the demo data."""
    workdir = tmp_path_factory.mktemp("live-server")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MARAC_") and key not in ("FLASK_APP", "FLASK_DEBUG")
    }
    env.update(
        MARAC_ENV="development",
        MARAC_DATABASE_URL=browser_database_url,
        MARAC_OUTBOX_DIR=str(workdir / "outbox"),
        MARAC_SECRET_KEY="browser-tests-" + os.urandom(24).hex(),
        MARAC_RATELIMIT_STORAGE_URI="memory://",
        # No daily chase emails in this server's outbox (marac_app/jobs/daily.py).
        MARAC_DAILY_JOBS_IN_PROCESS="0",
        MARAC_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    _run_cli(env, "db", "upgrade")
    _run_cli(env, "seed-demo")

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            _flask_command("run", "--host", "127.0.0.1", "--port", str(port)),
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not _healthy(f"{url}/healthz"):
            if process.poll() is not None:
                pytest.fail(
                    f"the live server exited with code {process.returncode}:\n{_log(log_path)}"
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the live server did not answer {url}/healthz with 200 within "
                    f"{STARTUP_TIMEOUT_SECONDS} s:\n{_log(log_path)}"
                )
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def on_server_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An app context whose ``db.session`` is the live server's own database, for a journey
    that builds its meeting through the real services first (the suite binds ``db.session`` to
    its own test database for every test). Commit inside; afterwards the session is removed
    and the engine disposed."""
    from sqlalchemy.orm import scoped_session, sessionmaker

    from marac_app import create_app
    from marac_app.extensions import db

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    engine = sa.create_engine(database_url)
    monkeypatch.setattr(
        db, "session", scoped_session(sessionmaker(bind=engine, expire_on_commit=False))
    )
    try:
        with app.app_context():
            try:
                yield
            finally:
                db.session.remove()
    finally:
        engine.dispose()


@dataclass
class DemoMeeting:
    """What ``demo_meeting`` built (rows of the live server's database, session-bound)."""

    meeting: Any
    area: Any
    police: Any
    chair: Any
    people: dict[str, Any]  # the invited demo people's users, by email


def demo_meeting(
    starts: datetime, venue: str, invite: Sequence[DemoUser], *, present: DemoUser | None = None
) -> DemoMeeting:
    """Inside ``on_server_database``: a Cambridge meeting from ``starts`` for three hours,
    chaired by the demo chair, with ``invite`` invited; with ``present``, its confidentiality
    gate opened through the attendance services (statement read, that person present and
    acknowledged, recorded by the chair). Flushes; the journey lists its cases and commits."""
    from marac_app.agencies.models import Agency, MaracArea
    from marac_app.attendance import services as attendance
    from marac_app.attendance.models import AcknowledgementMethod, AttendanceStatus
    from marac_app.auth.models import User
    from marac_app.extensions import db
    from marac_app.meetings.models import Invitation, Meeting

    area = db.session.scalar(sa.select(MaracArea).where(MaracArea.code == "CAM"))
    police = db.session.scalar(sa.select(Agency).where(Agency.name == POLICE))
    chair = db.session.scalar(sa.select(User).where(User.email == CHAIR.email))
    meeting = Meeting(
        area_id=area.id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        venue=venue,
        chair_id=chair.id,
    )
    db.session.add(meeting)
    db.session.flush()
    people = {}
    for person in invite:
        user = db.session.scalar(sa.select(User).where(User.email == person.email))
        db.session.add(Invitation(meeting_id=meeting.id, user_id=user.id, agency_id=user.agency_id))
        people[person.email] = user
    db.session.flush()
    if present is not None:
        attendance.mark_statement_read(
            meeting, shown_version=attendance.required_version(meeting), actor=chair
        )
        row = attendance.record_invitee_attendance(
            meeting,
            people[present.email],
            status=AttendanceStatus.PRESENT,
            information_sent=None,
            actor=chair,
        )
        attendance.acknowledge(
            meeting, actor=chair, attendance=row, method=AcknowledgementMethod.RECORDED_BY_CHAIR
        )
    return DemoMeeting(meeting, area, police, chair, people)


# --- The browser -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Debian chromium for the whole session (Playwright's own browsers are never used)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium. "
            f"Run `make system-deps` to install it."
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture()
def csp_errors() -> list[str]:
    """Console errors about the Content Security Policy seen by this test's page."""
    return []


@pytest.fixture()
def page(browser: Browser, live_server: str, csp_errors: list[str]) -> Iterator[Page]:
    """A fresh page (its own cookies) whose relative URLs go to the live server."""
    context = browser.new_context(
        base_url=live_server, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    new_page = context.new_page()
    new_page.set_default_timeout(10_000)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            csp_errors.append(message.text)

    new_page.on("console", on_console)
    try:
        yield new_page
    finally:
        context.close()
