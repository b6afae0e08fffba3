"""API keys in real headless Chromium: an owner creates a key, copies it with the button,
and the copied key works against the live API; the list then shows only its prefix."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect, sync_playwright

from app.database import utcnow
from tests.browser.test_company_users_flow import api_status, sign_in
from tests.browser.test_invoice_flow import (CHROMIUM, CHROMIUM_FLAGS, DESKTOP, PHONE, assert_accessible,
                                             no_horizontal_scroll, shoot)
from tests.factories import make_partner, make_purchase_order, make_user
from tests.live import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def keys_stack(app):
    partner = make_partner()
    order = make_purchase_order(partner)
    order.project_name = "Tower A"
    from app.extensions import db
    db.session.commit()
    owner = make_user(partner, email="owner@acme-concrete.example")
    server = LiveServer(dict(app.config))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield {"url": server.url, "owner": owner, "browser": browser}
        browser.close()
    server.stop()


def test_owner_creates_copies_and_uses_a_key(keys_stack):
    base, browser = keys_stack["url"], keys_stack["browser"]
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = context.new_page()
    sign_in(page, base, keys_stack["owner"].email)
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", name="API keys", exact=True)).to_be_visible()
    page.get_by_role("link", name="Create a key").click()

    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    shoot(page, "api-keys-01-create-errors-desktop")
    assert_accessible(page, "create key with errors")

    page.get_by_label("Name").fill("ERP invoice export")
    page.get_by_label("purchase_orders:read — Read purchase orders").check()
    page.get_by_label("invoices:write — Submit and cancel invoices").check()
    page.get_by_label("Expires on").fill((utcnow().date() + timedelta(days=60)).isoformat())
    page.get_by_label("Tower A", exact=True).check()
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_text("Copy the key now: it is shown only once.")).to_be_visible()
    page.get_by_role("button", name="Copy to clipboard").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == page.get_by_label("API key").input_value() and copied.startswith("rbr_live_")
    shoot(page, "api-keys-02-secret-once-desktop")
    assert_accessible(page, "secret shown once")

    assert api_status(base, copied, "/purchase-orders") == 200
    assert api_status(base, copied, "/invoices") == 403  # no invoices:read scope

    page.get_by_role("link", name="I have copied it").click()
    row = page.locator("tr", has_text="ERP invoice export")
    expect(row).to_contain_text(copied[:len("rbr_live_") + 16])
    expect(row).to_contain_text("Active")
    assert copied not in page.content()
    shoot(page, "api-keys-03-list-desktop")
    assert_accessible(page, "key list")

    phone = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    sign_in(phone, base, keys_stack["owner"].email)
    phone.goto(f"{base}/api-keys")
    assert no_horizontal_scroll(phone)
    shoot(phone, "api-keys-04-list-phone")
