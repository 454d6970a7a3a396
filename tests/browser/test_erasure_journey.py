"""The DPO checks what erasing a victim's case would do before anything is deleted (upcoming
case lists, open actions, copies held, legal hold), and the erasure is refused until the
confirmation is ticked (axe-core checked). Nothing is erased here: the live server's demo
data is shared with the other journeys."""

from __future__ import annotations

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


def test_dpo_sees_the_consequences_of_an_erasure_first(
    page: Page, live_server: str, csp_errors: list[str]
) -> None:
    sign_in(page, live_server, DPO)
    page.goto("/privacy/requests/new")
    page.get_by_label("Name of the person, as given").fill("Demo Victim-Four")
    page.get_by_label("Erasure (delete their data)").check()
    page.locator('[name="received_on-day"]').fill("2")
    page.locator('[name="received_on-month"]').fill("11")
    page.locator('[name="received_on-year"]').fill("2026")
    page.get_by_role("button", name="Log request").click()
    expect(page.locator("main")).to_contain_text("(Cambridge): Victim")
    page.locator('input[name="records"]').first.check()
    page.get_by_role("button", name="Attach the selected records").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Erasure")

    page.get_by_role("link", name="Check what erasing deletes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check what erasing deletes")
    main = page.locator("main")
    for heading in (
        "Upcoming case lists",
        "Open actions",
        "Copies of minutes held by agencies",
        "Legal hold",
    ):
        expect(main).to_contain_text(heading)
    assert_accessible(page, "the erasure confirmation page")

    page.get_by_role("button", name="Erase the records").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Confirm that you want to erase these records"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Check what erasing deletes")
    assert_accessible(page, "the erasure page without the confirmation")

    page.goto("/privacy/retention")
    expect(page.get_by_role("heading", name="Due for deletion today")).to_be_visible()
    assert_accessible(page, "the retention page")
    assert_no_csp_errors(csp_errors)
