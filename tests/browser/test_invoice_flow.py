"""The subcontractor's flow in real headless Chromium, with screenshots and axe-core checks."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from weasyprint import HTML

from app.integration import jobs
from tests.factories import PASSWORD, make_partner, make_user, totp_code
from tests.live import ARTIFACTS, LiveServer, Worker
from tests.odoo_helpers import bills_for_ref, sandbox_state

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENS = ARTIFACTS / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def invoice_pdf(path: Path) -> Path:
    HTML(string="<h1>Acme Concrete LLC</h1><p>Invoice ACME-2026-0107 for P00013</p>"
                "<table><tr><td>Level 1 slab</td><td>10 m³</td><td>$1,350.00</td></tr></table>").write_pdf(path)
    return path


@pytest.fixture
def browser_stack(app, odoo, tmp_path):
    partner = make_partner()
    user = make_user(partner, email="billing@acme-concrete.example")
    jobs.sync_purchase_orders(partner.id)
    server = LiveServer(dict(app.config))
    worker = Worker(dict(app.config), name="browser-worker")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield {"url": server.url, "user": user, "odoo": odoo, "browser": browser, "tmp": tmp_path}
        browser.close()
    worker.stop()
    server.stop()


def shoot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def assert_accessible(page, name: str) -> None:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag22aa']})")
    serious = [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    assert not serious, f"{name}: {serious}"


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail address").fill(email)
    if page.get_by_role("button", name="Continue").count():  # e-mail first, then the password
        page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if page.url.endswith("/login/two-step"):
        page.get_by_label("Code from your authenticator app").fill(totp_code(email=email))
        page.get_by_role("button", name="Sign in").click()


def test_bill_part_of_a_line_and_watch_it_reach_odoo(browser_stack):
    base, odoo = browser_stack["url"], browser_stack["odoo"]
    page = browser_stack["browser"].new_page(viewport=DESKTOP, bypass_csp=True)  # to inject axe-core
    page.goto(f"{base}/login")
    shoot(page, "01-login-desktop")
    assert_accessible(page, "login")
    sign_in(page, base, browser_stack["user"].email)

    expect(page.get_by_role("heading", name="Purchase orders")).to_be_visible()
    shoot(page, "02-purchase-orders-desktop")
    assert_accessible(page, "purchase orders")
    page.get_by_role("link", name="P00013").click()
    expect(page.get_by_text("Summit Builders Inc.").first).to_be_visible()
    shoot(page, "03-purchase-order-desktop")
    assert_accessible(page, "purchase order")

    page.get_by_role("link", name="Bill this purchase order").click()
    page.get_by_label("Your invoice number").fill("ACME-2026-0107")
    page.get_by_label("Invoice date").fill("2026-12-01")
    page.get_by_label("Concrete pour (m3) - Tower A, level 1 slab").fill("41")
    page.get_by_label("Invoice PDF").set_input_files(str(invoice_pdf(browser_stack["tmp"] / "ACME-2026-0107.pdf")))
    page.get_by_role("button", name="Submit invoice to Summit Builders Inc.").click()

    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_text("Quantity is more than the 40 left to bill on this line.").first).to_be_visible()
    expect(page.get_by_label("Your invoice number")).to_have_value("ACME-2026-0107")
    shoot(page, "04-invoice-form-errors-desktop")
    assert_accessible(page, "form with errors")

    page.get_by_label("Concrete pour (m3) - Tower A, level 1 slab").fill("10")
    page.get_by_label("Invoice PDF").set_input_files(str(browser_stack["tmp"] / "ACME-2026-0107.pdf"))
    page.get_by_role("button", name="Submit invoice to Summit Builders Inc.").click()
    expect(page.get_by_text("Invoice ACME-2026-0107 was submitted.")).to_be_visible()
    expect(page.get_by_text("In review at Summit Builders Inc.")).to_be_visible(timeout=10_000)
    expect(page.locator("#invoice-timeline")).to_contain_text("Sent to Summit Builders Inc.'s accounting")
    [bill] = bills_for_ref(odoo, "ACME-2026-0107")
    expect(page.locator("#bill-reference")).to_have_text(f"draft bill #{bill['id']}")
    shoot(page, "05-invoice-in-review-desktop")
    assert_accessible(page, "invoice")

    assert [(l["purchase_line_id"][0], l["quantity"]) for l in bill["lines"]] == [(27, 10.0)]
    attachments = [a for a in sandbox_state(odoo)["attachments"] if a["res_id"] == bill["id"]]
    assert [a["mimetype"] for a in attachments] == ["application/pdf"]


def test_pages_fit_a_phone(browser_stack):
    base = browser_stack["url"]
    page = browser_stack["browser"].new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, base, browser_stack["user"].email)
    for name, path in (("purchase-orders", "/purchase-orders"), ("invoice-form", "/invoices/new"),
                       ("invoices", "/invoices")):
        page.goto(f"{base}{path}")
        if name == "invoice-form":
            page.get_by_role("button", name="Continue").click()
        assert no_horizontal_scroll(page), name
        shoot(page, f"10-{name}-phone")
    page.goto(f"{base}/purchase-orders")
    page.get_by_role("link", name="P00013").click()
    assert no_horizontal_scroll(page)
    shoot(page, "11-purchase-order-phone")


@pytest.fixture
def console_stack(app, odoo):
    """Deliveries run in this process (no worker), so each state is set up exactly."""
    from tests.test_odoo_push import deliver, submit, synced_partner
    from tests.odoo_helpers import clear_faults, set_faults
    from app.auth.models import Role
    from app.extensions import db

    partner = synced_partner()
    clerk = make_user(partner, email="billing@acme-concrete.example")
    staff = make_user(None, email="ap@summit-builders.example", role=Role.STAFF_ADMIN)
    flaky, refused = submit(partner, number="ACME-0201", quantities=("4",)), submit(partner, number="ACME-0202", quantities=("2",))
    set_faults(odoo, fail_every=1, mode="http500")
    deliver(flaky)
    clear_faults(odoo)
    deliver(flaky)
    partner.odoo_partner_id = 999999
    db.session.commit()
    deliver(refused)
    partner.odoo_partner_id = 45
    db.session.commit()
    server = LiveServer(dict(app.config))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield {"url": server.url, "browser": browser, "clerk": clerk, "staff": staff,
               "flaky": flaky, "refused": refused}
        browser.close()
    server.stop()


def test_staff_console_and_partner_history(console_stack):
    base = console_stack["url"]
    page = console_stack["browser"].new_page(viewport=DESKTOP, bypass_csp=True)
    sign_in(page, base, console_stack["staff"].email)
    page.get_by_role("link", name="Sync console").click()
    expect(page.get_by_text("1 delivery needs attention.")).to_be_visible()
    shoot(page, "20-sync-console-desktop")
    assert_accessible(page, "sync console")
    page.get_by_label("State").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    page.locator("table a").first.click()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.get_by_text("Odoo refused it").first).to_be_visible()
    shoot(page, "21-delivery-timeline-desktop")
    assert_accessible(page, "delivery timeline")
    page.get_by_role("button", name="Send again").click()
    expect(page.get_by_text("Sent again.")).to_be_visible()

    phone = console_stack["browser"].new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(phone, base, console_stack["staff"].email)
    phone.goto(f"{base}/staff/sync")
    assert no_horizontal_scroll(phone)
    shoot(phone, "22-sync-console-phone")

    partner_page = console_stack["browser"].new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(partner_page, base, console_stack["clerk"].email)
    partner_page.goto(f"{base}/invoices/{console_stack['flaky'].id}")
    history = partner_page.locator("#invoice-timeline")
    expect(history).to_contain_text("did not answer; trying again")
    expect(history).to_contain_text("Sent to Summit Builders Inc.'s accounting")
    assert no_horizontal_scroll(partner_page)
    shoot(partner_page, "23-invoice-history-phone")
