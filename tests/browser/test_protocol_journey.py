"""The ISP register in Debian chromium: a coordinator reads the register, opens an agency
that has not signed, tries to record a signature with mistakes, and reads the confidentiality
statement. axe-core must find no violation on any of these pages.

Nothing is saved here: the live server's demo data (one agency not signed up) is shared with
the meetings journey, which relies on that refusal.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from marac_app.auth.models import Role
from marac_app.demo import DEMO_UNSIGNED_AGENCIES, DEMO_USERS
from tests.browser.test_sign_in_accessibility import (
    assert_accessible,
    assert_marked,
    assert_no_csp_errors,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser

COORDINATOR = next(person for person in DEMO_USERS if person.role is Role.COORDINATOR)
UNSIGNED = next(iter(DEMO_UNSIGNED_AGENCIES))


def test_coordinator_reads_the_register_and_statement(
    page: Page, live_server: str, csp_errors: list[str]
) -> None:
    sign_in(page, live_server, COORDINATOR)
    panel = page.get_by_role("heading", level=2, name="Information-sharing protocol")
    expect(panel).to_be_visible()
    menu = page.get_by_role("navigation", name="Main menu")
    menu.get_by_role("link", name="ISP register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Information-sharing protocol register"
    )
    assert_marked(page)
    row = page.get_by_role("row").filter(has_text=UNSIGNED)
    expect(row).to_contain_text("Not signed")
    expect(page.get_by_role("row").filter(has_text="Fenshire Constabulary (demo)")).to_contain_text(
        "Signed up"
    )
    assert_accessible(page, "the ISP register")
    screenshot(page, "isp-register")

    page.get_by_role("link", name="Printable register").click()
    expect(page.get_by_role("navigation", name="Main menu")).to_have_count(0)
    assert_accessible(page, "the printable ISP register")
    page.go_back()

    page.get_by_role("link", name=UNSIGNED).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(UNSIGNED)
    expect(page.get_by_text("has not signed version 1")).to_be_visible()
    assert_accessible(page, "the agency's protocol page")

    page.get_by_role("link", name="Record a signature").click()
    page.get_by_label("Signatory's full name").fill("Kept In The Form")
    page.get_by_role("group", name="Date signed").get_by_label("Day").fill("31")
    page.get_by_role("group", name="Date signed").get_by_label("Month").fill("2")
    page.get_by_role("group", name="Date signed").get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Save signature").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the signatory's job title")
    expect(page.get_by_role("alert")).to_contain_text("Date signed must be a real date")
    expect(page.get_by_label("Signatory's full name")).to_have_value("Kept In The Form")
    assert_accessible(page, "the signature form with errors")
    screenshot(page, "isp-signature-errors")

    page.goto("/protocol/statement")
    expect(page.get_by_text("To reduce repeat victimisation.")).to_be_visible()
    assert_accessible(page, "the confidentiality statement")
    page.get_by_role("link", name="Publish a new version").click()
    assert_accessible(page, "the publish statement form")
    page.goto("/protocol/versions/new")
    assert_accessible(page, "the new protocol version form")
    assert_no_csp_errors(csp_errors)
