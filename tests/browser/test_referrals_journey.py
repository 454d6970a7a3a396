"""A coordinator records a referral (first with a mistake), sees the case with its DASH score
and repeat-flag expiry, allocates it to today's case list and opens the research list; the
police representative invited to that meeting opens the research list. Every page passes
axe-core with no violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from marac_app.demo import DEMO_USERS
from tests.browser.test_sign_in_accessibility import (
    assert_accessible,
    assert_marked,
    assert_no_csp_errors,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser

COORDINATOR = next(p for p in DEMO_USERS if p.email == "coordinator@demo.example")
POLICE_REP = next(p for p in DEMO_USERS if p.email == "police.rep@demo.example")


def _fill(page: Page, name: str, value: str) -> None:
    page.locator(f'[name="{name}"]').fill(value)


def test_coordinator_records_and_allocates_a_referral(
    page: Page, live_server: str, csp_errors: list[str]
) -> None:
    sign_in(page, live_server, COORDINATOR)
    assert_accessible(page, "the coordinator home with referrals")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Cases").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases")
    assert_marked(page)
    expect(page.get_by_role("link", name="CAM-2026-0001")).to_be_visible()
    assert_accessible(page, "the case list")

    page.get_by_role("link", name="Record a new referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New referral")
    assert_accessible(page, "the referral form")
    page.get_by_label("Referring agency").select_option(label="Fenshire Constabulary (demo)")
    _fill(page, "referrer_name", "Demo Referrer-Five")
    for part, value in (("day", "20"), ("month", "11"), ("year", "2026")):
        _fill(page, f"referred_on-{part}", value)
    _fill(page, "victim_name", "Demo Victim-Five")
    for part, value in (("day", "3"), ("month", "7"), ("year", "1994")):
        _fill(page, f"victim_date_of_birth-{part}", value)
    _fill(page, "perpetrators-0-full_name", "Demo Perpetrator-Five")
    for number in range(1, 25):
        page.locator(
            f'input[name="dash_{number}"][value="{"yes" if number <= 8 else "no"}"]'
        ).check()
    page.locator('input[name="criterion"][value="professional_judgement"]').check()
    page.get_by_role("button", name="Save referral").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Give the reasons for your professional judgement"
    )
    expect(page.locator('[name="victim_name"]')).to_have_value("Demo Victim-Five")
    expect(page.locator('[name="victim_date_of_birth-year"]')).to_have_value("1994")
    assert_accessible(page, "the referral form with errors")
    screenshot(page, "referral-form-errors")

    _fill(page, "reasons", "Threats to kill and stalking (demo).")
    page.get_by_role("button", name="Save referral").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Case CAM-2026-")
    expect(page.get_by_text("8 of 24")).to_be_visible()
    expect(page.get_by_text("365 days after the last referral")).to_be_visible()
    assert_accessible(page, "the case page")
    reference = page.get_by_role("heading", level=1).inner_text().removeprefix("Case ")

    # The coordinator home lists it as awaiting allocation.
    page.goto("/")
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    # Today's demo meeting (the first Cambridge meeting) links to its case list.
    page.goto("/meetings/1")
    expect(page.get_by_text("cases on the case list")).to_be_visible()
    page.get_by_role("link", name="Allocate and order cases").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Case list")
    assert_accessible(page, "the case list of a meeting")
    page.get_by_role("button", name=f"Add to this case list {reference}").click()
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    page.get_by_role("button", name=f"Move up {reference}").click()
    assert_accessible(page, "the case list after allocation")
    screenshot(page, "case-list")
    page.get_by_role("link", name="Research list (names and dates of birth only)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Research list")
    expect(page.get_by_text("Demo Victim-Five")).to_be_visible()
    # Issue 14: the reference sits next to the name (the referral's other details do not).
    expect(page.locator("tbody th").filter(has_text=reference)).to_be_visible()
    assert_accessible(page, "the research list")
    assert_no_csp_errors(csp_errors)


def test_invited_rep_opens_the_research_list_but_not_the_case_list(
    page: Page, live_server: str, csp_errors: list[str]
) -> None:
    sign_in(page, live_server, POLICE_REP)
    page.goto("/cases/meetings/1/research-list")
    expect(page.get_by_role("heading", level=1)).to_have_text("Research list")
    expect(page.get_by_text("Demo Victim-Two")).to_be_visible()
    assert_accessible(page, "the research list (agency representative)")
    response = page.goto("/cases/meetings/1/case-list")
    assert response is not None and response.status in (403, 404)
    assert_no_csp_errors(csp_errors)
