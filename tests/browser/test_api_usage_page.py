"""The API usage chart in real headless Chromium: an owner's view of one key's last 30 days,
on a desktop and a phone, and staff's list of the busiest credentials."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from app.auth.models import Role
from app.credentials.models import ApiKey
from app.extensions import db
from app.usage.counter import utc_today
from app.usage.models import ApiUsageDaily
from tests.browser.test_company_users_flow import api_status, sign_in
from tests.browser.test_invoice_flow import (CHROMIUM, CHROMIUM_FLAGS, DESKTOP, PHONE, assert_accessible,
                                             no_horizontal_scroll, shoot)
from tests.factories import make_api_key, make_partner, make_purchase_order, make_user
from tests.live import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _history(key_id: int) -> None:
    """29 settled days of plausible traffic: weekday peaks, a bad day with many errors."""
    rng = random.Random(5)
    today = utc_today()
    for back in range(1, 30):
        day = today - timedelta(days=back)
        requests = 0 if day.weekday() == 6 else rng.randint(40, 160) + (300 if day.day == 1 else 0)
        client_errors = requests // 3 if back == 9 else rng.randint(0, requests // 20 + 1) if requests else 0
        db.session.add(ApiUsageDaily(api_key_id=key_id, day=day, requests=requests,
                                     client_errors=client_errors, server_errors=1 if back == 12 else 0))
    db.session.commit()


@pytest.fixture
def usage_stack(app):
    partner = make_partner()
    make_purchase_order(partner)
    owner = make_user(partner, email="owner@acme-concrete.example")
    secret = make_api_key(partner, ("invoices:read", "invoices:write", "profile:read", "purchase_orders:read"))
    key = db.session.scalar(select(ApiKey).where(ApiKey.public_id == secret.split("_")[2]))
    key.name = "Accounting sync"
    db.session.commit()
    _history(key.id)
    staff = make_user(None, email="ops@summit.example", role=Role.STAFF_ADMIN)
    server = LiveServer(dict(app.config))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield {"url": server.url, "owner": owner, "staff": staff, "key": key, "secret": secret,
               "browser": browser}
        browser.close()
    server.stop()


def test_owner_sees_a_tidy_usage_chart(usage_stack):
    base, key_id, secret = usage_stack["url"], usage_stack["key"].id, usage_stack["secret"]
    for _ in range(12):
        assert api_status(base, secret, "/purchase-orders") == 200
    assert api_status(base, secret, "/purchase-orders/999999") == 404
    assert api_status(base, secret, "/invoices", {}) == 422

    page = usage_stack["browser"].new_context(viewport=DESKTOP, bypass_csp=True).new_page()
    sign_in(page, base, usage_stack["owner"].email)
    page.goto(f"{base}/api-keys/{key_id}/usage")
    expect(page.get_by_role("heading", name="Usage of Accounting sync")).to_be_visible()
    expect(page.get_by_role("img", name="Requests per day, last 30 days")).to_be_visible()
    expect(page.locator("svg.usage-chart-wide rect.usage-bar")).to_have_count(30)
    expect(page.locator("table.visually-hidden tbody tr")).to_have_count(30)
    expect(page.locator("table.visually-hidden tbody tr").last).to_contain_text("14")  # today, live
    shoot(page, "usage-01-owner-chart-desktop")
    assert_accessible(page, "API key usage")

    phone = usage_stack["browser"].new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                               bypass_csp=True).new_page()
    sign_in(phone, base, usage_stack["owner"].email)
    phone.goto(f"{base}/api-keys/{key_id}/usage")
    expect(phone.get_by_role("img", name="Requests per day, last 30 days")).to_be_visible()
    assert no_horizontal_scroll(phone)
    shoot(phone, "usage-02-owner-chart-phone")


def test_staff_see_the_busiest_credentials(usage_stack):
    base = usage_stack["url"]
    page = usage_stack["browser"].new_context(viewport=DESKTOP, bypass_csp=True).new_page()
    sign_in(page, base, usage_stack["staff"].email)
    page.goto(f"{base}/staff/api-usage")
    expect(page.get_by_role("heading", name="API usage")).to_be_visible()
    shoot(page, "usage-03-staff-overview-desktop")
    assert_accessible(page, "staff API usage")
    page.get_by_role("link", name="Accounting sync").click()
    expect(page.get_by_role("heading", name="Usage of Accounting sync")).to_be_visible()
    expect(page.get_by_text("Acme Concrete LLC")).to_be_visible()
    shoot(page, "usage-04-staff-key-desktop")
    assert_accessible(page, "staff API key usage")
