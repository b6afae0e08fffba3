"""Registration and the staff review in headless Chromium, with screenshots and axe-core checks."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect, sync_playwright

from app.auth.models import Role
from app.extensions import db
from app.partners.models import Partner, PartnerStatus
from tests.browser.test_invoice_flow import (CHROMIUM, CHROMIUM_FLAGS, DESKTOP, PHONE, assert_accessible,
                                             no_horizontal_scroll, shoot, sign_in)
from tests.factories import make_user, pdf_bytes
from tests.live import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def stack(app, tmp_path):
    partner = Partner(name="Nordbau GmbH", status=PartnerStatus.DRAFT)
    db.session.add(partner)
    db.session.commit()
    owner = make_user(partner, email="owner@nordbau.example")
    reviewer = make_user(None, email="reviewer@buyer.example", role=Role.STAFF_REVIEWER)
    server = LiveServer(dict(app.config))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield {"url": server.url, "browser": browser, "tmp": tmp_path, "partner": partner,
               "owner": owner, "reviewer": reviewer}
        browser.close()
    server.stop()


def both_widths(page, name: str) -> None:
    page.set_viewport_size(DESKTOP)
    shoot(page, f"onboarding-{name}-desktop")
    page.set_viewport_size(PHONE)
    assert no_horizontal_scroll(page), name
    shoot(page, f"onboarding-{name}-phone")
    page.set_viewport_size(DESKTOP)


def test_register_apply_and_get_approved(stack):
    base, tmp = stack["url"], stack["tmp"]
    page = stack["browser"].new_page(viewport=DESKTOP, bypass_csp=True)

    page.goto(f"{base}/register")
    page.get_by_role("button", name="Create account and continue").click()
    expect(page.locator("#error-summary")).to_contain_text("Enter your company's legal name.")
    assert_accessible(page, "register")
    both_widths(page, "register")

    sign_in(page, base, stack["owner"].email)
    expect(page).to_have_url(f"{base}/onboarding/company")
    page.get_by_label("Country of registration").select_option("DE")
    page.get_by_label("Tax id").fill("DE123")
    page.get_by_label("Street address").fill("Hauptstr. 1")
    page.get_by_label("City").fill("Berlin")
    page.get_by_label("ZIP or postal code").fill("10115")
    page.get_by_label("Concrete").check()
    page.get_by_label("Accounts-payable contact name").fill("Anna Kasse")
    page.get_by_label("Accounts-payable e-mail").fill("ap@nordbau.example")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#error-summary")).to_contain_text("not a valid EU VAT number")
    assert_accessible(page, "company-error")
    both_widths(page, "company-error")
    page.get_by_label("Tax id").fill("DE136695976")
    page.get_by_role("button", name="Save and continue").click()

    expect(page).to_have_url(f"{base}/onboarding/bank")
    page.get_by_label("Account holder").fill("Nordbau GmbH")
    page.get_by_label("Bank country").select_option("DE")
    page.get_by_label("Account number or IBAN").fill("DE89 3704 0044 0532 0130 01")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#error-summary")).to_contain_text("not a valid IBAN")
    page.get_by_label("Account number or IBAN").fill("DE89 3704 0044 0532 0130 00")
    page.get_by_role("button", name="Save and continue").click()

    expect(page).to_have_url(f"{base}/onboarding/documents")
    tax_form = tmp / "w8.pdf"
    tax_form.write_bytes(pdf_bytes("W-8BEN-E"))
    page.get_by_label("Document").select_option("tax_form")
    page.get_by_label("File (PDF, JPEG or PNG)").set_input_files(str(tax_form))
    page.get_by_role("button", name="Upload document").click()
    page.get_by_label("Document").select_option("insurance")
    page.get_by_label("Expiry date (insurance certificates)").fill((date.today() + timedelta(days=300)).isoformat())
    page.get_by_label("File (PDF, JPEG or PNG)").set_input_files(str(tax_form))
    page.get_by_role("button", name="Upload document").click()
    expect(page.locator("table")).to_contain_text("Insurance certificate")
    assert_accessible(page, "documents")
    both_widths(page, "documents")

    page.get_by_role("link", name="Continue to review").click()
    expect(page.locator("main")).to_contain_text("•••• 3000")
    assert "DE89370400440532013000" not in page.content()
    page.get_by_label("I accept the partner terms").check()
    both_widths(page, "review")
    page.get_by_role("button", name="Submit application").click()
    expect(page.locator(".status-panel")).to_contain_text("In review")
    assert_accessible(page, "submitted")
    both_widths(page, "submitted")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, base, stack["reviewer"].email)
    page.goto(f"{base}/staff/onboarding")
    expect(page.locator("table")).to_contain_text("Nordbau GmbH")
    assert_accessible(page, "staff-queue")
    both_widths(page, "staff-queue")
    page.get_by_role("link", name="Nordbau GmbH").click()
    expect(page.locator("main")).to_contain_text("DE136695976")
    assert_accessible(page, "staff-application")
    both_widths(page, "staff-application")
    page.get_by_role("button", name="Approve and create the vendor in Odoo").click()
    expect(page.locator(".notice-success")).to_contain_text("Application approved.")
    both_widths(page, "staff-approved")
    page.close()
