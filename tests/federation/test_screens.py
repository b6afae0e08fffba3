"""The e-mail-first sign-in page and the partner's sign-in settings in real headless Chromium:
screenshots (test-artifacts/screenshots) and axe-core checks."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright

from app.auth.models import Role
from tests.browser.test_invoice_flow import CHROMIUM, CHROMIUM_FLAGS, DESKTOP, PHONE, assert_accessible, shoot
from tests.factories import PASSWORD, make_partner, make_user, totp_code
from tests.federation.helpers import make_partner_domain, make_partner_idp

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_sign_in_page_and_partner_idp_settings(app, live, partner_idp):
    partner = make_partner("Acme Concrete LLC", 45)
    owner = make_user(partner, email="owner@acme-hq.example", role=Role.PARTNER_OWNER)
    make_partner_domain(partner, "acme-concrete.example", verified=True)
    make_partner_domain(partner, "acme-site-office.example")
    make_partner_idp(partner, partner_idp.issuer, "acme-portal", "acme-secret", enabled=True,
                     jit_role=Role.PARTNER_BILLING)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page = browser.new_page(viewport=size, bypass_csp=True)  # to inject axe-core
            page.goto(f"{live.url}/login")
            expect(page.get_by_label("E-mail address")).to_be_visible()
            expect(page.get_by_label("Password")).to_have_count(0)
            shoot(page, f"federation-login-email-step-{size_name}")
            assert_accessible(page, "login e-mail step")
            page.get_by_label("E-mail address").fill("someone@elsewhere.example")
            page.get_by_role("button", name="Continue").click()
            expect(page.get_by_label("Password")).to_be_visible()
            expect(page.get_by_role("link", name="Sign in with Shared")).to_be_visible()
            shoot(page, f"federation-login-password-step-{size_name}")
            assert_accessible(page, "login password step")
            page.close()

        page = browser.new_page(viewport=DESKTOP, bypass_csp=True)
        page.goto(f"{live.url}/login")
        page.get_by_label("E-mail address").fill(owner.email)
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_label("Code from your authenticator app").fill(totp_code(owner))
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("link", name="Sign-in settings")).to_be_visible()
        page.goto(f"{live.url}/company/sign-in")
        expect(page.get_by_role("heading", name="Sign-in settings")).to_be_visible()
        expect(page.locator("#redirect-uri")).to_contain_text("/auth/oidc/partner-")
        shoot(page, "federation-partner-idp-settings-desktop")
        assert_accessible(page, "partner IdP settings")
        page.set_viewport_size(PHONE)
        shoot(page, "federation-partner-idp-settings-phone")
        browser.close()
