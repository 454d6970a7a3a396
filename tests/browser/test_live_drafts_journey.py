"""Nothing typed on the live case page is lost, in Debian chromium (axe-core checked):

(a) the minute-taker types an entry, the idle timeout signs them out (the session row's
    last activity is set back in the live server's database), and after signing in again
    they are back on the page with their text restored — with JavaScript (the draft saved
    while typing) and without it (the late POST itself is kept);
(b) the form's token expired (they signed out and in again in another tab): the text is
    kept and the form shown again with "Your form expired, check and save again";
(c) on a server with a short idle timeout the warning dialog opens, takes focus, and
    "Stay signed in" extends the session.

The drafts are thrown away at the end, so the minutes journey that follows starts clean.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from marac_app.auth.models import User, UserSession
from marac_app.db import utcnow
from marac_app.demo import DEMO_USERS
from tests.browser.conftest import (
    REPO_ROOT,
    STARTUP_TIMEOUT_SECONDS,
    _flask_command,
    _free_port,
    _healthy,
    _run_cli,
)
from tests.browser.test_minutes_journey import _ensure_gate_open
from tests.browser.test_sign_in_accessibility import assert_accessible, assert_no_csp_errors

pytestmark = pytest.mark.browser

CHAIR = next(p for p in DEMO_USERS if p.email == "chair@demo.example")
COORDINATOR = next(p for p in DEMO_USERS if p.email == "coordinator@demo.example")
NOTICE = "Restored text you had not saved"
TEXT_JS = "Drafts journey: typed before the idle timeout, with JavaScript."
TEXT_NO_JS = "Drafts journey: posted after the idle timeout, without JavaScript."
TEXT_EXPIRED = "Drafts journey: posted with an expired form."


def _sign_in_form(page: Page, person) -> None:
    page.get_by_label("Email address", exact=True).fill(person.email)
    page.get_by_label("Password", exact=True).fill(person.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()


def _sign_in(page: Page, person) -> None:
    page.goto("/sign-in")
    _sign_in_form(page, person)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {person.name}")


def _idle_out(database_url: str, email: str) -> None:
    """What 31 idle minutes do: the person's live sessions last did something long ago."""
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            user_id = connection.scalar(sa.select(User.id).where(User.email == email))
            connection.execute(
                sa.update(UserSession)
                .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
                .values(last_seen_at=utcnow() - timedelta(minutes=31))
            )
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def case_path(browser: Browser, live_server: str) -> str:
    """The first case of today's demo meeting, with its confidentiality gate open."""
    context = browser.new_context(base_url=live_server, locale="en-GB")
    page = context.new_page()
    try:
        _sign_in(page, CHAIR)
        href = (
            page.locator("#todays-meetings")
            .get_by_role("link", name=re.compile(r"^Open the meeting"))
            .first.get_attribute("href")
        )
        meeting_path = re.sub(r"/open$", "", href.replace(live_server, ""))
        _ensure_gate_open(page, meeting_path)
        page.goto(f"/minutes/meetings/{meeting_path.rsplit('/', 1)[-1]}")
        return page.locator("#case-list a").first.get_attribute("href").replace(live_server, "")
    finally:
        context.close()


def _entry_text(page: Page):
    return page.get_by_label("What was shared")


def _discard(page: Page) -> None:
    page.get_by_role("button", name="Discard the restored text").first.click()
    page.wait_for_load_state()
    expect(page.get_by_text(NOTICE)).to_have_count(0)


def test_draft_survives_an_idle_sign_out_with_javascript(
    page: Page, case_path: str, browser_database_url: str, csp_errors: list[str]
) -> None:
    _sign_in(page, COORDINATOR)
    page.goto(case_path)
    _entry_text(page).fill(TEXT_JS)
    status = page.locator(
        "#live-entry-form [data-draft-status], form[data-draft-key='entry-new'] [data-draft-status]"
    ).first
    expect(status).to_contain_text(re.compile(r"Draft saved \d\d:\d\d"), timeout=10_000)
    assert_accessible(page, "the case page with a draft saved")

    _idle_out(browser_database_url, COORDINATOR.email)
    page.reload()
    expect(page.get_by_text("had not done anything for a while")).to_be_visible()
    assert "next=" in page.url
    assert_accessible(page, "sign-in after the idle timeout")
    _sign_in_form(page, COORDINATOR)
    assert page.url.split("#")[0].endswith(case_path)
    expect(page.get_by_text(NOTICE)).to_be_visible()
    expect(_entry_text(page)).to_have_value(TEXT_JS)
    assert_accessible(page, "the case page with restored text")
    _discard(page)
    assert_no_csp_errors(csp_errors)


def test_late_post_and_expired_form_keep_the_text_without_javascript(
    browser: Browser, live_server: str, case_path: str, browser_database_url: str
) -> None:
    context = browser.new_context(base_url=live_server, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        _sign_in(page, COORDINATOR)
        # (a) The idle timeout passes while typing; the POST arrives too late.
        page.goto(case_path)
        _entry_text(page).fill(TEXT_NO_JS)
        _idle_out(browser_database_url, COORDINATOR.email)
        page.get_by_role("button", name="Add entry").click()
        page.wait_for_load_state()
        expect(page.get_by_text("Your text has been kept")).to_be_visible()
        _sign_in_form(page, COORDINATOR)
        assert page.url.split("#")[0].endswith(case_path)
        expect(page.get_by_text(NOTICE)).to_be_visible()
        expect(_entry_text(page)).to_have_value(TEXT_NO_JS)
        _discard(page)

        # (b) The form's token expired: signed out and in again in another tab.
        page.goto(case_path)
        _entry_text(page).fill(TEXT_EXPIRED)
        other = context.new_page()
        other.goto("/")
        other.get_by_role("button", name="Sign out").click()
        other.wait_for_load_state()
        _sign_in_form(other, COORDINATOR)
        print("DBG other signed in", flush=True)
        other.close()
        print("DBG other closed", flush=True)
        print("DBG before click", flush=True)
        page.get_by_role("button", name="Add entry").click()
        print("DBG clicked", flush=True)
        page.wait_for_load_state()
        print("DBG loaded", page.url, flush=True)
        expect(page.get_by_role("alert")).to_contain_text("Your form expired, check and save again")
        print("DBG alert ok", flush=True)
        expect(page.get_by_text(NOTICE)).to_be_visible()
        expect(_entry_text(page)).to_have_value(TEXT_EXPIRED)
        print("DBG before axe", flush=True)
        assert_accessible(page, "the case page after an expired form")
        print("DBG after axe", flush=True)
        _discard(page)
    finally:
        context.close()


# --- (c) The warning dialog, on a server whose idle timeout is 130 seconds ----------------


@pytest.fixture(scope="module")
def short_timeout_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app with a 130-second idle timeout: the warning (two minutes before) opens
    about ten seconds after a page is shown. Its own SQLite database and demo data."""
    workdir = tmp_path_factory.mktemp("short-timeout")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MARAC_") and key not in ("FLASK_APP", "FLASK_DEBUG")
    }
    env.update(
        MARAC_ENV="development",
        MARAC_DATABASE_URL=f"sqlite:///{workdir / 'short.sqlite3'}",
        MARAC_OUTBOX_DIR=str(workdir / "outbox"),
        MARAC_SECRET_KEY="browser-tests-" + os.urandom(24).hex(),
        MARAC_RATELIMIT_STORAGE_URI="memory://",
        MARAC_LOG_LEVEL="WARNING",
        MARAC_IDLE_TIMEOUT_SECONDS="130",
        PYTHONUNBUFFERED="1",
    )
    _run_cli(env, "db", "upgrade")
    _run_cli(env, "seed-demo")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with (workdir / "server.log").open("wb") as log:
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
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the short-timeout server did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_timeout_warning_opens_and_stay_signed_in_extends(
    browser: Browser, short_timeout_server: str
) -> None:
    context = browser.new_context(base_url=short_timeout_server, locale="en-GB")
    page = context.new_page()
    try:
        _sign_in(page, CHAIR)
        dialog = page.get_by_role("dialog", name="You are about to be signed out")
        expect(dialog).to_be_visible(timeout=30_000)
        expect(dialog).to_contain_text(
            re.compile(r"You will be signed out in \d+ (minutes?|seconds)")
        )
        # Focus is in the dialog, and Tab stays there.
        assert page.evaluate(
            "document.getElementById('timeout-dialog').contains(document.activeElement)"
        )
        for _ in range(4):
            page.keyboard.press("Tab")
            assert page.evaluate(
                "document.getElementById('timeout-dialog').contains(document.activeElement)"
            )
        assert_accessible(page, "the timeout warning")
        before = page.evaluate(
            "fetch('/session/status').then((r) => r.json()).then((d) => d.idle_seconds_left)"
        )
        assert before <= 125
        dialog.get_by_role("button", name="Stay signed in").click()
        expect(dialog).to_be_hidden()
        after = page.evaluate(
            "fetch('/session/status').then((r) => r.json()).then((d) => d.idle_seconds_left)"
        )
        assert after >= 125, after
        # Escape also means "stay".
        expect(dialog).to_be_visible(timeout=30_000)
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {CHAIR.name}")
    finally:
        context.close()
