"""Two-step verification in real headless Chromium: an owner without it is walked through
enrollment before anything else, then later sign-ins ask for the code."""
from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect, sync_playwright

from app.auth.models import Role, User
from app.auth.services import create_user
from app.extensions import db
from tests.browser.test_invoice_flow import (CHROMIUM, CHROMIUM_FLAGS, DESKTOP, PHONE, assert_accessible,
                                             no_horizontal_scroll, shoot)
from tests.factories import PASSWORD, forget_last_code, make_partner
from tests.live import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def live(app):
    partner = make_partner()
    owner = create_user("owner@acme-concrete.example", PASSWORD, Role.PARTNER_OWNER, partner.id,
                        email_verified=True)
    db.session.commit()
    server = LiveServer(dict(app.config))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield {"url": server.url, "owner": owner, "browser": browser}
        browser.close()
    server.stop()


def password_step(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail address").fill(email)
    if page.get_by_role("button", name="Continue").count():  # e-mail first, then the password
        page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_owner_enrolls_then_signs_in_with_a_code(live):
    base, owner = live["url"], live["owner"]
    page = live["browser"].new_page(viewport=DESKTOP, bypass_csp=True)
    password_step(page, base, owner.email)
    expect(page.get_by_role("heading", name="Set up two-step verification")).to_be_visible()
    page.goto(f"{base}/invoices")  # cannot skip it
    expect(page).to_have_url(re.compile(r"/login"))
    password_step(page, base, owner.email)
    expect(page.locator(".qr svg")).to_be_visible()
    shoot(page, "two-step-01-enroll-desktop")
    assert_accessible(page, "two-step enrollment")

    secret = page.locator("code.secret").inner_text().replace(" ", "")
    db.session.expire_all()
    assert secret == db.session.get(User, owner.id).totp_secret
    page.get_by_label("6-digit code from your app").fill("000000")
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(page.locator(".error-summary")).to_contain_text("That code is not right")
    page.get_by_label("6-digit code from your app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    assert page.locator(".recovery-codes li").count() == 10
    shoot(page, "two-step-02-recovery-codes-desktop")
    page.get_by_role("link", name="I have saved my codes, continue").click()
    expect(page.get_by_role("heading", name="Purchase orders")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.set_viewport_size(PHONE)
    password_step(page, base, owner.email)
    expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
    assert no_horizontal_scroll(page)
    shoot(page, "two-step-03-code-step-phone")
    assert_accessible(page, "two-step code step")
    forget_last_code(owner.email)
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Purchase orders")).to_be_visible()
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    assert no_horizontal_scroll(page)
    shoot(page, "two-step-04-account-phone")
    assert_accessible(page, "account page")
