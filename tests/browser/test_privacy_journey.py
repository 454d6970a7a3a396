"""The Data Protection Officer logs a subject access request and attaches the victim's record
for review; anyone can read the accessibility statement (axe-core checked in a real browser)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from marac_app.auth.models import Role
from marac_app.demo import DEMO_USERS
from tests.browser.test_sign_in_accessibility import (
    assert_accessible,
    assert_no_csp_errors,
    sign_in,
)

pytestmark = pytest.mark.browser

DPO = next(person for person in DEMO_USERS if person.role is Role.DPO)


def test_accessibility_statement_before_signing_in(
    page: Page, live_server: str, csp_errors: list[str]
) -> None:
    page.goto("/sign-in")
    page.get_by_role("link", name="Accessibility statement").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Accessibility statement")
    assert_accessible(page, "the accessibility statement")
    assert_no_csp_errors(csp_errors)


def test_dpo_logs_an_access_request_and_downloads_the_copy(
    page: Page, live_server: str, csp_errors: list[str]
) -> None:
    sign_in(page, live_server, DPO)
    expect(page.get_by_role("heading", name="Data-subject requests")).to_be_visible()
    assert_accessible(page, "the DPO home page")

    page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name="Data-subject requests"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data-subject requests")
    assert_accessible(page, "the list of requests")

    page.get_by_role("button", name="Log a new request").click()
    page.get_by_role("button", name="Log request").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Enter the name of the person making the request"
    )
    assert_accessible(page, "the new request form with errors")

    page.get_by_label("Name of the person, as given").fill("Demo Victim-Two")
    page.get_by_label("Access (a copy of their data)").check()
    page.locator('[name="received_on-day"]').fill("2")
    page.locator('[name="received_on-month"]').fill("11")
    page.locator('[name="received_on-year"]').fill("2026")
    page.get_by_role("button", name="Log request").click()
    # Nothing is attached until the DPO confirms the record found is hers, in her role.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Choose the records that are about this person"
    )
    page.get_by_label(re.compile(r"CAM-\d{4}-\d{4} \(Cambridge\): Victim")).check()
    page.get_by_role("button", name="Attach the selected records").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Access")
    expect(page.locator(".govuk-summary-list__row", has_text="Statutory due date")).to_contain_text(
        "2 December 2026"
    )
    expect(page.get_by_text("Review needed")).to_be_visible()
    assert_accessible(page, "a request")

    # Nothing goes out before every passage is reviewed (the perpetrator's request journey,
    # test_dpo_subject_access_journey.py, reviews and exports).
    page.get_by_role("link", name=re.compile(r"^Review the passages before release")).click()
    expect(page.locator("#exports")).to_contain_text("once every passage has a decision")
    expect(page.locator("main")).not_to_contain_text("Demo Perpetrator")
    assert_accessible(page, "the review page of the victim's copy")

    page.goto("/privacy/retention")
    expect(page.get_by_role("heading", level=1)).to_have_text("Retention and legal holds")
    assert_accessible(page, "the retention page")

    page.get_by_role("link", name="Privacy notice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    assert_accessible(page, "the privacy notice")
    assert_no_csp_errors(csp_errors)
