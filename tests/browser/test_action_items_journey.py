"""Actions in the browser: the coordinator sees the area's actions; a representative sees and
updates their agency's action (status radios reveal the note) and cannot open another agency's.
axe-core finds no violation on any page visited."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from marac_app.demo import DEMO_USERS
from tests.browser.test_sign_in_accessibility import (
    assert_accessible,
    assert_marked,
    assert_no_csp_errors,
    sign_in,
)

pytestmark = pytest.mark.browser

COORDINATOR = next(p for p in DEMO_USERS if p.email == "coordinator@demo.example")
POLICE_REP = next(p for p in DEMO_USERS if p.email == "police.rep@demo.example")
HOUSING = "Riverside Housing Association (demo)"


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_action_journey(page: Page, live_server: str, csp_errors: list[str]) -> None:
    sign_in(page, live_server, COORDINATOR)
    assert_accessible(page, "the coordinator home with the overdue actions summary")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Actions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Actions")
    assert_marked(page)
    assert_accessible(page, "the area's actions")
    housing_rows = page.locator("table").last.locator("tbody tr").filter(has_text=HOUSING)
    housing_links = [
        housing_rows.nth(i).get_by_role("link").get_attribute("href")
        for i in range(housing_rows.count())
    ]
    assert housing_links, "the demo data must give the housing agency Cambridge actions"
    _sign_out(page)

    sign_in(page, live_server, POLICE_REP)
    expect(page.get_by_role("heading", name="My agency's actions")).to_be_visible()
    assert_accessible(page, "the representative's home with their agency's actions")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Actions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My agency's actions")
    assert_accessible(page, "the representative's actions list")
    expect(page.locator("main")).not_to_contain_text(HOUSING)

    open_row = page.locator("table").last.locator("tbody tr").filter(has_text="Open").first
    open_row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Action for")
    assert_accessible(page, "an action with its status form")

    page.get_by_label("Completed", exact=True).check()
    page.get_by_role("button", name="Save status").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter what was done to complete the action")
    assert_accessible(page, "the status form with an error")

    page.get_by_label("Completed", exact=True).check()
    page.get_by_label("Note", exact=True).fill("Warning marker added to the address.")
    page.get_by_role("button", name="Save status").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Completed")
    expect(page.locator("main")).to_contain_text("Warning marker added to the address.")
    assert_accessible(page, "the action after its status was saved")

    for href in housing_links:
        response = page.goto(href)
        assert response is not None and response.status == 404, href
    expect(page).to_have_title(re.compile("not found", re.IGNORECASE))
    assert_no_csp_errors(csp_errors)
