"""Sign in through the real form in Debian chromium and check the pages with axe-core.

Every page checked must have no WCAG 2.2 AA violation that axe-core can find, no Content
Security Policy error in the console and, once signed in, the OFFICIAL-SENSITIVE marking.
Screenshots of the sign-in page and the admin home page are written to /tmp/screens.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from marac_app.auth.models import Role
from marac_app.demo import DEMO_USERS, DemoUser

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENS = Path(tempfile.gettempdir()) / "screens"  # /tmp/screens
MARKING = "OFFICIAL-SENSITIVE"

ADMIN = next(person for person in DEMO_USERS if person.role is Role.ADMIN)
AGENCY_REP = next(person for person in DEMO_USERS if person.role is Role.AGENCY_REP)


# --- Helpers -----------------------------------------------------------------------------


def describe(violations: list[dict[str, Any]]) -> str:
    """One readable block per violation: id, impact, help and the elements that fail."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']}")
        lines.append(f"  {violation.get('helpUrl', '')}")
        for node in violation.get("nodes", []):
            lines.append(f"    target: {node.get('target')}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page, what: str) -> None:
    """Run axe-core on the page as it is now and fail with the details of any violation."""
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm ci` (or `make assets`).")
    page.evaluate(AXE_SCRIPT.read_text())
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    violations = results["violations"]
    if violations:
        print(f"\naxe-core violations on {what} ({page.url}):\n{describe(violations)}")
    assert not violations, (
        f"{len(violations)} axe-core violation(s) on {what} ({page.url}):\n{describe(violations)}"
    )


def assert_marked(page: Page) -> None:
    expect(page.get_by_role("note", name="Protective marking")).to_have_text(MARKING)


def assert_no_csp_errors(csp_errors: list[str]) -> None:
    assert not csp_errors, "Content Security Policy errors in the console:\n" + (
        "\n".join(csp_errors)
    )


def screenshot(page: Page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def sign_in(page: Page, base_url: str, person: DemoUser) -> None:
    """Sign in through the real form, as a person would."""
    page.goto("/sign-in")
    page.get_by_label("Email address", exact=True).fill(person.email)
    page.get_by_label("Password", exact=True).fill(person.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{base_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {person.name}")


# --- Tests -------------------------------------------------------------------------------


def test_sign_in_page_is_accessible_with_and_without_errors(
    page: Page, csp_errors: list[str]
) -> None:
    page.goto("/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to MARAC Manager")
    expect(page.locator(".marac-marking")).to_have_count(0)  # the bar is for signed-in pages
    assert_accessible(page, "the sign-in page")
    screenshot(page, "sign-in")

    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_role("alert")).to_contain_text("Enter your email address")
    expect(page.get_by_role("alert")).to_contain_text("Enter your password")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page, "the sign-in page with validation errors")
    screenshot(page, "sign-in-errors")
    assert_no_csp_errors(csp_errors)


def test_admin_pages_are_accessible(page: Page, live_server: str, csp_errors: list[str]) -> None:
    sign_in(page, live_server, ADMIN)
    assert_marked(page)
    assert_accessible(page, "the admin home page")
    screenshot(page, "admin-home")

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    assert_marked(page)
    assert_accessible(page, "the users list")

    page.get_by_role("link", name=AGENCY_REP.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(AGENCY_REP.name)
    assert_marked(page)
    assert_accessible(page, "the user edit page")

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Agencies").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agencies")
    assert_marked(page)
    assert_accessible(page, "the agencies list")
    assert_no_csp_errors(csp_errors)


def test_agency_rep_home_is_accessible(page: Page, live_server: str, csp_errors: list[str]) -> None:
    sign_in(page, live_server, AGENCY_REP)
    assert_marked(page)
    expect(page.get_by_role("heading", level=2, name="My agency's actions")).to_be_visible()
    assert_accessible(page, "the agency representative's home page")
    screenshot(page, "agency-rep-home")
    assert_no_csp_errors(csp_errors)


def test_sign_out_button_returns_to_sign_in(
    page: Page, live_server: str, csp_errors: list[str]
) -> None:
    sign_in(page, live_server, AGENCY_REP)
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(f"{live_server}/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to MARAC Manager")
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(page.locator(".marac-marking")).to_have_count(0)
    assert_accessible(page, "the sign-in page after signing out")

    # The session really ended: the home page now sends us back to sign in.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to MARAC Manager")
    assert_no_csp_errors(csp_errors)
