"""The chair opens today's demo meeting: the case list stays closed (and says what is
missing) until the confidentiality statement is marked read and everyone present — an
observer too — has acknowledged it, one on their own device, one recorded by the chair.
Every page passes axe-core with no violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from marac_app.demo import DEMO_USERS
from tests.browser.test_sign_in_accessibility import (
    assert_accessible,
    assert_marked,
    assert_no_csp_errors,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser

CHAIR = next(p for p in DEMO_USERS if p.email == "chair@demo.example")
POLICE_REP = next(p for p in DEMO_USERS if p.email == "police.rep@demo.example")
HOUSING_REP = next(p for p in DEMO_USERS if p.email == "housing.rep@demo.example")
UNSIGNED_AGENCY = "Fenshire Community Health (demo)"
OBSERVER = "Olive Demo-Observer"


def _rep_acknowledges(browser: Browser, live_server: str, meeting_path: str) -> None:
    """The police representative acknowledges on their own device (their own session)."""
    context = browser.new_context(base_url=live_server, locale="en-GB")
    rep_page = context.new_page()
    rep_page.set_default_timeout(10_000)
    try:
        sign_in(rep_page, live_server, POLICE_REP)
        rep_page.goto(f"{meeting_path}/acknowledge")
        expect(rep_page.get_by_role("heading", level=1)).to_have_text(
            "Acknowledge the confidentiality statement"
        )
        expect(rep_page.locator("#confidentiality-statement p").first).to_be_visible()
        assert_accessible(rep_page, "the own-device acknowledgement page")
        rep_page.get_by_role("button", name="I acknowledge the confidentiality statement").click()
        expect(
            rep_page.get_by_text(
                "Your acknowledgement of the confidentiality statement has been recorded"
            )
        ).to_be_visible()
        expect(rep_page.get_by_text(re.compile(r"You acknowledged version \d+"))).to_be_visible()
        assert_accessible(rep_page, "the acknowledgement page after acknowledging")
    finally:
        context.close()


def test_chair_opens_the_meeting_and_only_then_reaches_the_case_list(
    page: Page, browser: Browser, live_server: str, csp_errors: list[str]
) -> None:
    sign_in(page, live_server, CHAIR)
    today = page.locator("#todays-meetings")
    expect(today).to_be_visible()
    assert_accessible(page, "the chair's home page")
    today.get_by_role("link", name=re.compile(r"^Open the meeting")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open the meeting")
    meeting_path = re.sub(r"/open$", "", page.url.replace(live_server, ""))
    assert re.fullmatch(r"/meetings/\d+", meeting_path), page.url

    # Before anything is done, the case list says what is missing and shows no cases.
    page.goto(f"{meeting_path}/run")
    expect(page.get_by_role("heading", level=1)).to_have_text("Case list")
    problems = page.locator("#gate-problems")
    expect(problems).to_contain_text(
        "The chair has not marked the confidentiality statement as read"
    )
    expect(problems).to_contain_text("No one has been marked present")
    assert_marked(page)
    assert_accessible(page, "the closed case list")

    # The statement, in full and large; the chair marks it read.
    page.goto(f"{meeting_path}/open")
    statement = page.locator("#confidentiality-statement")
    expect(statement.locator("p.govuk-body-l").first).to_be_visible()
    assert statement.locator("p.govuk-body-l").count() >= 2
    assert_accessible(page, "the open-the-meeting page")
    screenshot(page, "open-meeting")
    page.get_by_role("button", name="Mark the statement as read").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attendance")
    expect(
        page.get_by_text("The confidentiality statement has been marked as read.")
    ).to_be_visible()
    assert_accessible(page, "the attendance page")

    # Attendance: the police representative present, housing sent apologies and information.
    page.get_by_role("link", name=f"Record attendance for {POLICE_REP.name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(POLICE_REP.name)
    page.get_by_role("button", name="Save attendance").click()  # a mistake first
    expect(page.get_by_role("alert")).to_contain_text(
        "Select whether they are present, sent apologies or are absent"
    )
    assert_accessible(page, "the attendance form with an error")
    page.get_by_label("Present", exact=True).check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text(f"Attendance recorded for {POLICE_REP.name}.")).to_be_visible()

    page.get_by_role("link", name=f"Record attendance for {HOUSING_REP.name}").click()
    page.get_by_label("Sent apologies", exact=True).check()
    page.get_by_label("Yes, information was sent", exact=True).check()
    assert_accessible(page, "the attendance form")
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Sent apologies (information sent: yes)")).to_be_visible()

    # Someone from an agency that has not signed the protocol cannot be marked present.
    page.get_by_label("Full name", exact=True).fill("Nadia Demo-Nurse")
    page.get_by_label("Agency they represent").select_option(label=UNSIGNED_AGENCY)
    page.get_by_role("button", name="Add person present").click()
    expect(page.get_by_role("alert")).to_contain_text(f"{UNSIGNED_AGENCY} has not signed version")
    assert_accessible(page, "the attendance page with the refusal")

    # An observer, with the chair's agreement.
    page.get_by_label("Observer's full name").fill(OBSERVER)
    page.get_by_label("Organisation").fill("SafeLives (demo)")
    page.get_by_label("The chair agrees to this observer attending").check()
    page.get_by_role("button", name="Add observer").click()
    expect(page.get_by_text(f"{OBSERVER} has been recorded as an observer.")).to_be_visible()
    problems = page.locator("#gate-problems")
    expect(problems).to_contain_text(
        f"{POLICE_REP.name} has not acknowledged the confidentiality statement"
    )
    expect(problems).to_contain_text(f"{OBSERVER} (observer) has not acknowledged")
    assert_accessible(page, "the attendance page with people present")

    # Still closed.
    page.goto(f"{meeting_path}/run")
    expect(page.locator("#gate-problems")).to_contain_text(POLICE_REP.name)

    # The chair records the observer's acknowledgement on their behalf ...
    page.goto(f"{meeting_path}/attendance")
    page.get_by_role("button", name=f"Record acknowledgement for {OBSERVER}").click()
    expect(
        page.get_by_text(
            f"{OBSERVER}'s acknowledgement of the confidentiality statement has been recorded."
        )
    ).to_be_visible()
    # ... and the police representative acknowledges on their own device.
    _rep_acknowledges(browser, live_server, meeting_path)

    page.reload()
    expect(page.locator("#gate-open")).to_be_visible()
    expect(page.get_by_text("On their own device")).to_be_visible()
    expect(page.get_by_text("Recorded by the chair on their behalf")).to_be_visible()
    assert_accessible(page, "the attendance page, everyone acknowledged")
    screenshot(page, "attendance-complete")

    # Only now does the case list open.
    page.get_by_role("link", name="Run the meeting: the case list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Case list")
    expect(page.locator("#gate-problems")).to_have_count(0)
    expect(page.locator("table.govuk-table, #no-cases").first).to_be_visible()
    assert_accessible(page, "the open case list")
    screenshot(page, "case-list")
    assert_no_csp_errors(csp_errors)
