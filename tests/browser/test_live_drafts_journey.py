"""Nothing typed on the live case page is lost, in Debian chromium (axe-core checked):

(a) the minute-taker types an entry, the idle timeout signs them out (the session row's
    last activity is set back in the live server's database), and after signing in again
    they are back on the page with their text restored — with JavaScript (the draft saved
    while typing) and without it (the late POST itself is kept);
(b) the form's token expired (they signed out and in again in another tab): the text is
    kept and the form shown again with "Your form expired, check and save again";
(c) on a second server (the same database) whose idle timeout is 16 seconds and whose
    warning opens 12 seconds before it: the dialog opens, takes focus and keeps it, is
    announced, and "Stay signed in" (or Escape) extends the session;
(d) on that server, time runs out while a draft save is still on its way and more text is
    typed: the page waits for every draft to reach the server (``flushAll``) before it goes
    to sign in, and after signing in the whole text is back.

The pages without JavaScript are checked by axe-core in a copy with JavaScript (axe is a
script: it cannot run where scripts are off). The drafts are thrown away at the end, so the
minutes journey that follows starts clean. The whole file takes about a minute.
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
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route, expect

from marac_app.auth.models import User, UserSession
from marac_app.db import utcnow
from marac_app.demo import DEMO_USERS
from tests.browser.conftest import (
    REPO_ROOT,
    STARTUP_TIMEOUT_SECONDS,
    _flask_command,
    _free_port,
    _healthy,
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
TEXT_FLUSHED = "Drafts journey: on its way when time ran out"
TEXT_MORE = ", and typed after that save had left."
# The second server's clock: the warning opens WARN seconds before an IDLE-second timeout.
IDLE, WARN = 16, 12
SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)


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


def _assert_accessible_without_js(page: Page, browser: Browser, what: str) -> None:
    """axe-core on a page shown without JavaScript: its HTML, scripts removed, served at
    the same address in a page with JavaScript (where axe can run; styles still load)."""
    html = SCRIPT.sub("", page.content())
    address = page.url.split("#")[0]
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    try:
        copy = context.new_page()
        copy.route(address, lambda route: route.fulfill(body=html, content_type="text/html"))
        copy.goto(address)
        assert_accessible(copy, what)
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


def test_late_saves_in_place_keep_the_text_with_javascript(
    page: Page, case_path: str, browser_database_url: str, csp_errors: list[str]
) -> None:
    """live.mjs's in-place save arriving too late: after the idle timeout (401, kept) it goes
    to sign in; with an expired token (400, kept) it reloads the page with the message."""
    _sign_in(page, COORDINATOR)
    page.goto(case_path)
    _entry_text(page).fill(TEXT_JS)
    _idle_out(browser_database_url, COORDINATOR.email)
    page.get_by_role("button", name="Add entry").click()
    page.wait_for_url(re.compile(r"/sign-in\?next="))
    expect(page.get_by_text("had not done anything for a while")).to_be_visible()
    _sign_in_form(page, COORDINATOR)
    assert page.url.split("#")[0].endswith(case_path)
    expect(_entry_text(page)).to_have_value(TEXT_JS)
    _discard(page)

    _entry_text(page).fill(TEXT_EXPIRED)
    other = page.context.new_page()
    other.goto("/")
    other.get_by_role("button", name="Sign out").click()
    other.wait_for_load_state()
    _sign_in_form(other, COORDINATOR)
    other.close()
    with page.expect_navigation():
        page.get_by_role("button", name="Add entry").click()
    expect(page.get_by_role("alert")).to_contain_text("Your form expired, check and save again")
    expect(page.get_by_text(NOTICE)).to_be_visible()
    expect(_entry_text(page)).to_have_value(TEXT_EXPIRED)
    assert_accessible(page, "the case page reloaded after an expired form")
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
        _assert_accessible_without_js(page, browser, "sign-in after a late POST, without JS")
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
        other.close()
        page.get_by_role("button", name="Add entry").click()
        page.wait_for_load_state()
        expect(page.get_by_role("alert")).to_contain_text("Your form expired, check and save again")
        expect(page.get_by_text(NOTICE)).to_be_visible()
        expect(_entry_text(page)).to_have_value(TEXT_EXPIRED)
        _assert_accessible_without_js(page, browser, "the case page after an expired form")
        _discard(page)
    finally:
        context.close()


# --- (c) and (d): a second server with a short idle timeout -----------------------------


@pytest.fixture(scope="module")
def short_timeout_server(
    live_server: str, browser_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The real app on the live server's database (already migrated, seeded, and today's
    meeting open), with an IDLE-second idle timeout and the warning WARN seconds before."""
    workdir = tmp_path_factory.mktemp("short-timeout")
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
        MARAC_IDLE_TIMEOUT_SECONDS=str(IDLE),
        MARAC_SESSION_WARNING_SECONDS=str(WARN),
        PYTHONUNBUFFERED="1",
    )
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
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the short-timeout server did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture()
def short_page(browser: Browser, short_timeout_server: str) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(
        base_url=short_timeout_server, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    csp: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            csp.append(message.text)

    page.on("console", on_console)
    try:
        yield page, csp
    finally:
        context.close()


def _status(page: Page) -> dict:
    return page.evaluate(
        "fetch('/session/status', {cache: 'no-store'}).then((response) => response.json())"
    )


def _focus_in_dialog(page: Page) -> bool:
    return page.evaluate(
        "document.getElementById('timeout-dialog').contains(document.activeElement)"
    )


def test_timeout_warning_opens_and_stay_signed_in_extends(
    short_page: tuple[Page, list[str]],
) -> None:
    page, csp = short_page
    _sign_in(page, CHAIR)
    dialog = page.get_by_role("dialog", name="You are about to be signed out")
    expect(dialog).to_be_hidden()
    expect(dialog).to_be_visible(timeout=(IDLE - WARN + 5) * 1000)
    # It opened no earlier than the warning time (and so within two minutes) of the timeout.
    assert _status(page)["idle_seconds_left"] <= WARN <= 120
    expect(dialog).to_contain_text(re.compile(r"You will be signed out in \d+ (minutes?|seconds)"))
    expect(dialog).to_have_accessible_description(re.compile(r"^You will be signed out in"))
    # Announced to screen readers, and the focus is in the dialog and stays there.
    expect(page.locator("[data-timeout-announce]")).to_contain_text("You will be signed out in")
    assert _focus_in_dialog(page)
    for key in ("Tab", "Tab", "Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab"):
        page.keyboard.press(key)
        assert _focus_in_dialog(page), key
    assert_accessible(page, "the timeout warning")

    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("[data-timeout-announce]")).to_have_text("You are still signed in.")
    after = _status(page)
    assert after["signed_in"] is True and after["idle_seconds_left"] >= IDLE - 3, after

    # Escape also means "stay".
    expect(dialog).to_be_visible(timeout=(IDLE - WARN + 5) * 1000)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert _status(page)["idle_seconds_left"] >= IDLE - 3
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {CHAIR.name}")
    assert_no_csp_errors(csp)


def test_time_up_flushes_the_drafts_before_going_to_sign_in(
    short_page: tuple[Page, list[str]], case_path: str
) -> None:
    page, csp = short_page
    _sign_in(page, COORDINATOR)
    page.goto(case_path)
    # What reaches the server, in order; the first draft save is held on its way.
    seen: list[str] = []
    held: list[Route] = []

    def on_request(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/draft"):
            seen.append(f"draft:{request.post_data_json['fields'].get('text', '')}")
        elif request.is_navigation_request():
            seen.append(f"page:{request.url}")

    def hold_first(route: Route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    page.on("request", on_request)
    page.route(re.compile(r"/draft$"), hold_first)

    _entry_text(page).fill(TEXT_FLUSHED)
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert held, "drafts.mjs did not save the text it was given"
    _entry_text(page).fill(TEXT_FLUSHED + TEXT_MORE)  # typed while that save is held

    dialog = page.get_by_role("dialog", name="You are about to be signed out")
    expect(dialog).to_be_visible(timeout=(IDLE + 5) * 1000)
    # Time runs out WARN - 5 seconds later; the page must wait for the draft on its way.
    page.wait_for_timeout((WARN - 5 + 2) * 1000)
    assert page.url.split("#")[0].endswith(case_path), "went to sign in before the drafts"
    assert not any(s.startswith("page:") and "/sign-in" in s for s in seen)
    held[0].continue_()
    page.wait_for_url(re.compile(r"/sign-in\?next="), timeout=(IDLE + 10) * 1000)
    drafts = [s for s in seen if s.startswith("draft:")]
    assert drafts[-1] == f"draft:{TEXT_FLUSHED}{TEXT_MORE}", drafts
    first_sign_in = next(i for i, s in enumerate(seen) if s.startswith("page:") and "/sign-in" in s)
    assert seen.index(drafts[-1]) < first_sign_in, seen

    expect(page.get_by_text("had not done anything for a while")).to_be_visible()
    _sign_in_form(page, COORDINATOR)
    assert page.url.split("#")[0].endswith(case_path)
    expect(page.get_by_text(NOTICE)).to_be_visible()
    expect(_entry_text(page)).to_have_value(TEXT_FLUSHED + TEXT_MORE)
    _discard(page)
    assert_no_csp_errors(csp)
