"""The live case page in the browser (issue 13): the chair and the minute-taker, each in their
own browser context, see each other's entries without reloading (announced politely), and a
case is minuted with the keyboard alone (entries, the risk summary, an action) with no full
page load. axe-core finds no violation on the pages as they change."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import CHAIR, COORDINATOR, HOUSING, POLICE
from tests.browser.test_sign_in_accessibility import (
    assert_accessible,
    assert_no_csp_errors,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser


def _ensure_gate_open(page: Page, meeting_path: str) -> None:
    """Open today's meeting unless an earlier journey already did: the statement read,
    everyone invited present, their acknowledgements recorded by the chair."""
    page.goto(f"{meeting_path}/run")
    if page.locator("#gate-problems").count() == 0:
        return
    page.goto(f"{meeting_path}/open")
    mark = page.get_by_role("button", name="Mark the statement as read")
    if mark.count():
        mark.click()
        page.wait_for_load_state()
    page.goto(f"{meeting_path}/attendance")
    everyone = page.get_by_role("button", name=re.compile(r"^Mark everyone invited as present"))
    if everyone.count():
        everyone.click()
        page.wait_for_load_state()
    for _ in range(10):
        buttons = page.get_by_role("button", name=re.compile(r"^Record (the )?acknowledgement"))
        if buttons.count() == 0:
            break
        buttons.first.click()
        page.wait_for_load_state()
    page.goto(f"{meeting_path}/run")
    problems = page.locator("#gate-problems")
    assert problems.count() == 0, problems.inner_text()


def _case_path(page: Page, live_server: str, position: int) -> str:
    """The live case page of the case at ``position`` on today's list (gate opened)."""
    today = page.locator("#todays-meetings")
    expect(today).to_be_visible()
    href = today.get_by_role("link", name=re.compile(r"^Open the meeting")).first.get_attribute(
        "href"
    )
    meeting_path = re.sub(r"/open$", "", href.replace(live_server, ""))
    _ensure_gate_open(page, meeting_path)
    page.goto(f"/minutes/meetings/{meeting_path.rsplit('/', 1)[-1]}")
    links = page.locator("#case-list a")
    assert links.count() > 0, "the demo data must put cases on today's meeting"
    return (
        links.nth(min(position, links.count() - 1)).get_attribute("href").replace(live_server, "")
    )


def _mark_page(page: Page) -> None:
    """A value that only survives while the page is never reloaded."""
    page.evaluate("window.__maracNoReload = true")


def _still_same_page(page: Page) -> bool:
    return bool(page.evaluate("window.__maracNoReload === true"))


def _add_entry(page: Page, subject: str, kind: str, agency: str, text: str) -> None:
    form = page.locator("#live-entry-form form")
    form.get_by_role("group", name="Who is this about?").get_by_label(subject, exact=True).check()
    form.get_by_role("group", name="What kind of information is it?").get_by_label(
        kind, exact=True
    ).check()
    form.get_by_label("Agency that shared it").select_option(label=agency)
    form.get_by_label("What was shared").fill(text)
    form.get_by_role("button", name="Add entry").click()
    expect(page.locator("#live-entries")).to_contain_text(text)


def test_chair_and_minute_taker_see_each_others_entries_without_reloading(
    page: Page, browser: Browser, live_server: str, csp_errors: list[str]
) -> None:
    sign_in(page, live_server, CHAIR)
    path = _case_path(page, live_server, 2)
    page.goto(path)
    expect(page.locator("#live-case")).to_be_visible()

    other_context = browser.new_context(
        base_url=live_server, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    other = other_context.new_page()
    other.set_default_timeout(10_000)
    try:
        sign_in(other, live_server, COORDINATOR)
        other.goto(path)
        expect(other.locator("#live-case")).to_be_visible()
        _mark_page(page)
        _mark_page(other)

        # The chair adds an entry; the minute-taker sees it within 2 seconds.
        text = f"Live journey {time.time_ns()}: the chair's entry"
        _add_entry(page, "Victim", "Fact", POLICE, text)
        saved_at = time.monotonic()
        expect(other.locator("#live-entries")).to_contain_text(text, timeout=5_000)
        delay = time.monotonic() - saved_at
        assert delay <= 2.5, f"the other page showed the entry after {delay:.2f} s"
        expect(other.locator("#live-announcer")).to_contain_text(f"New entry from {CHAIR.name}")
        # The entry form's choices were kept for the chair's next entry.
        chair_form = page.locator("#live-entry-form form")
        expect(chair_form.get_by_label("Victim", exact=True)).to_be_checked()
        expect(chair_form.get_by_label("Fact", exact=True)).to_be_checked()
        expect(page.locator("#live-announcer")).to_contain_text("Entry added")

        # The minute-taker answers with one of theirs, while the chair is typing: the chair's
        # unsaved text is not disturbed and the new entry still appears.
        chair_text = page.locator("#live-entry-form").get_by_label("What was shared")
        chair_text.fill("The chair is still typing this")
        reply = f"Live journey {time.time_ns()}: the minute-taker's entry"
        _add_entry(other, "Perpetrator", "Professional opinion", HOUSING, reply)
        expect(page.locator("#live-entries")).to_contain_text(reply, timeout=5_000)
        expect(page.locator("#live-announcer")).to_contain_text(
            f"New entry from {COORDINATOR.name}"
        )
        expect(chair_text).to_have_value("The chair is still typing this")

        # The minute-taker corrects the chair's entry in place; the chair sees the edit.
        entry = other.locator("#live-entries .marac-entry", has_text=text)
        entry.get_by_role("link", name=re.compile(r"^Edit")).click()
        edit = other.locator("#live-entry-edit")
        expect(
            edit.get_by_role("group", name="Who is this about?").get_by_label("Victim", exact=True)
        ).to_be_focused()
        expect(other.locator("#live-entry-form")).to_be_hidden()
        assert_accessible(other, "an entry being edited in place")
        edited = text + " (corrected)"
        edit.get_by_label("What was shared").fill(edited)
        edit.get_by_role("button", name="Save entry").click()
        expect(other.locator("#live-entries")).to_contain_text(edited)
        expect(other.locator("#live-entry-edit")).to_have_count(0)
        expect(other.locator("#live-entry-form")).to_be_visible()
        expect(page.locator("#live-entries")).to_contain_text(edited, timeout=5_000)
        expect(page.locator("#live-announcer")).to_contain_text(
            f"Entry edited by {COORDINATOR.name}"
        )
        expect(chair_text).to_have_value("The chair is still typing this")

        assert _still_same_page(page) and _still_same_page(other), "a page was reloaded"
        assert_accessible(page, "the chair's live case page after a colleague's entry")
        assert_accessible(other, "the minute-taker's live case page")
        screenshot(page, "live-minutes-two-people")
    finally:
        other_context.close()
    assert_no_csp_errors(csp_errors)


def test_a_poll_answered_from_before_a_save_does_not_undo_it(
    page: Page, live_server: str, csp_errors: list[str]
) -> None:
    """Regression (CI, stop 19): a poll in flight while the chair saved the risk summary came
    back with the state from before the save and replaced the saved form (the old text, the old
    version, so the next save was a conflict with their own) and announced "Risk summary
    updated" over "Action added". A poll that overlaps a save is now thrown away."""
    sign_in(page, live_server, CHAIR)
    path = _case_path(page, live_server, 2)
    page.goto(path)
    poll_url = page.locator("#live-case").get_attribute("data-live-poll-url")
    assert poll_url
    held: list[tuple[object, object]] = []
    holding = {"on": False}

    def hold(route, request) -> None:  # type: ignore[no-untyped-def]
        if not holding["on"] or held:
            route.continue_()
            return
        # The state as it is now (before the save), as a full answer: kept back until the
        # save has been answered, as a slow network or a busy server would.
        headers = {k: v for k, v in request.headers.items() if k.lower() != "if-none-match"}
        held.append((route, route.fetch(headers=headers)))

    page.route(f"**{poll_url}", hold)
    risk = page.locator("#live-risk")
    before = risk.locator("textarea[name=harm_identified]").input_value()
    holding["on"] = True
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the page polls about once a second"
    text = f"Saved while a poll was in flight {time.time_ns()}"
    assert text != before
    risk.locator("textarea[name=harm_identified]").fill(text)
    risk.get_by_role("button", name="Save risk summary").click()
    expect(page.locator("#live-announcer")).to_have_text("Risk summary saved")
    page.locator("#live-action-form select").first.focus()  # focus leaves the risk summary
    route, answer = held[0]
    route.fulfill(response=answer)  # type: ignore[attr-defined]
    page.wait_for_timeout(2500)  # the stale answer, then at least one more poll
    expect(risk.locator("textarea[name=harm_identified]")).to_have_value(text)
    expect(page.locator("#live-announcer")).to_have_text("Risk summary saved")
    page.unroute(f"**{poll_url}")
    assert_no_csp_errors(csp_errors)


def test_a_case_is_minuted_with_the_keyboard_alone(
    page: Page, live_server: str, csp_errors: list[str]
) -> None:
    sign_in(page, live_server, CHAIR)
    path = _case_path(page, live_server, 1)
    loads: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: loads.append(frame.url) if frame == page.main_frame else None,
    )
    page.goto(path)
    expect(page.get_by_role("group", name="Who is this about?")).to_be_visible()
    page.get_by_text("Keyboard shortcuts").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#keyboard-shortcuts")).to_contain_text("Alt")
    assert_accessible(page, "the live case page with the shortcuts open")
    keyboard = page.keyboard
    stamp = time.time_ns()

    # First entry: Alt+Shift+N, then Space / Tab / arrows, Ctrl+Enter in the text box.
    keyboard.press("Alt+Shift+KeyN")
    assert page.evaluate("document.activeElement.name") == "subject"
    keyboard.press("Space")  # Victim
    keyboard.press("Tab")
    keyboard.press("Space")  # Fact
    keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "source_agency"
    keyboard.press("ArrowDown")
    keyboard.press("Tab")
    first = f"Keyboard journey {stamp}: first entry"
    keyboard.type(first)
    keyboard.press("Control+Enter")
    expect(page.locator("#live-entries")).to_contain_text(first)
    expect(page.locator("#live-announcer")).to_have_text("Entry added")
    # Focus is back on the first field, with the last choices kept.
    assert page.evaluate("document.activeElement.name") == "subject"
    assert page.evaluate("document.activeElement.checked") is True

    # Second entry: arrows change the kept choices.
    keyboard.press("ArrowDown")  # Perpetrator
    keyboard.press("Tab")
    keyboard.press("ArrowDown")  # Professional opinion
    keyboard.press("Tab")
    keyboard.press("Tab")
    second = f"Keyboard journey {stamp}: second entry"
    keyboard.type(second)
    keyboard.press("Control+Enter")
    expect(page.locator("#live-entries .marac-kind--professional_opinion")).to_contain_text(second)

    # A mistake: Ctrl+Enter with nothing typed shows the error summary, focused.
    keyboard.press("Alt+Shift+KeyN")
    for _ in range(3):
        keyboard.press("Tab")
    keyboard.press("Control+Enter")
    expect(page.locator("#live-entry-form .govuk-error-summary")).to_contain_text(
        "Enter what was shared"
    )
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')"), (
        "the error summary takes the focus"
    )
    assert_accessible(page, "the live case page with an error in the entry form")

    # The risk summary: Alt+Shift+R.
    keyboard.press("Alt+Shift+KeyR")
    assert page.evaluate("document.activeElement.name") == "harm_identified"
    keyboard.type(f"Keyboard journey {stamp}: threats to kill.")
    keyboard.press("Tab")
    keyboard.type("Recent separation.")
    keyboard.press("Control+Enter")
    expect(page.locator("#live-announcer")).to_have_text("Risk summary saved")
    expect(page.locator("#live-risk")).to_contain_text("The risk summary has been saved.")

    # An action: Alt+Shift+A, type-ahead in the agency list, Enter in the year box.
    keyboard.press("Alt+Shift+KeyA")
    assert page.evaluate("document.activeElement.name") == "owner_agency"
    keyboard.type("Riverside")
    keyboard.press("Tab")
    action = f"Keyboard journey {stamp}: fit a door chain"
    keyboard.type(action)
    due = date.today() + timedelta(days=7)
    for value in (due.day, due.month, due.year):
        keyboard.press("Tab")
        keyboard.type(str(value))
    keyboard.press("Enter")
    expect(page.locator("#live-actions")).to_contain_text(action)
    expect(page.locator("#live-announcer")).to_have_text("Action added")

    assert len(loads) == 1, f"full page loads while minuting: {loads}"
    assert_accessible(page, "the case minuted by keyboard")
    # Reflow at 320 CSS pixels: the entry form above the list, nothing wider than the screen
    # (the actions table scrolls inside its own region).
    page.set_viewport_size({"width": 320, "height": 720})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    form_box = page.locator("#live-entry-form").bounding_box()
    list_box = page.locator("#live-entries").bounding_box()
    assert form_box and list_box and form_box["y"] < list_box["y"]
    assert_accessible(page, "the live case page at 320 px")
    screenshot(page, "live-minutes-keyboard")
    assert_no_csp_errors(csp_errors)
