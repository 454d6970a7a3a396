"""Two-factor authentication and password reset in Debian chromium, checked with axe-core.

Uses the demo Data Protection Officer (no other browser test signs in as them) and leaves
them as found: the admin resets their two-factor set-up at the end.
"""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from marac_app.auth.models import Role
from marac_app.demo import DEMO_USERS
from tests.browser.test_sign_in_accessibility import (
    ADMIN,
    assert_accessible,
    assert_no_csp_errors,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser

DPO = next(person for person in DEMO_USERS if person.role is Role.DPO)
BANNER = "Two-factor authentication is switched off in this development environment"


def sign_out(page: Page, base_url: str) -> None:
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(f"{base_url}/sign-in")


def test_enrol_sign_in_with_a_code_and_admin_reset(
    page: Page, live_server: str, csp_errors: list[str]
) -> None:
    sign_in(page, live_server, DPO)
    expect(page.get_by_text(BANNER)).to_be_visible()

    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    assert_accessible(page, "the account page")

    page.get_by_role("link", name="Set up two-factor authentication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    qr = page.get_by_role(
        "img", name="QR code to add MARAC Manager to your authenticator app", exact=False
    )
    expect(qr).to_be_visible()
    assert (qr.get_attribute("src") or "").startswith("data:image/svg+xml")
    assert_accessible(page, "the two-factor set-up page")
    screenshot(page, "mfa-setup")
    secret = page.locator("#mfa-key code").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)

    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the 6-digit code")
    assert_accessible(page, "the two-factor set-up page with an error")

    page.get_by_label("Code from your authenticator app").fill(totp.now())
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    expect(page.locator(".marac-recovery-codes li")).to_have_count(10)
    assert_accessible(page, "the recovery codes page")
    page.get_by_role("link", name="I have saved my codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    sign_out(page, live_server)

    # The password alone is not enough now.
    page.get_by_label("Email address", exact=True).fill(DPO.email)
    page.get_by_label("Password", exact=True).fill(DPO.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    assert_accessible(page, "the security code page")
    screenshot(page, "mfa-code")
    page.get_by_label("Security code").fill(totp.at(time.time() + 30))  # the next step
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {DPO.name}")
    sign_out(page, live_server)

    # The admin resets it (a lost phone).
    sign_in(page, live_server, ADMIN)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Users").click()
    page.get_by_role("link", name=DPO.name).click()
    page.get_by_role("button", name="Reset two-factor authentication").click()
    expect(page.get_by_text("two-factor authentication has been reset")).to_be_visible()
    assert_accessible(page, "the user page after a two-factor reset")
    assert_no_csp_errors(csp_errors)


def test_forgotten_password_pages(page: Page, live_server: str, csp_errors: list[str]) -> None:
    page.goto("/sign-in")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    assert_accessible(page, "the reset request page")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your email address")
    assert_accessible(page, "the reset request page with an error")
    page.get_by_label("Email address").fill("nobody@nowhere.example")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.get_by_text("If an account exists for that email address")).to_be_visible()
    assert_accessible(page, "the reset sent page")
    assert_no_csp_errors(csp_errors)
