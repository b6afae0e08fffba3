"""Company users in real headless Chromium: an owner invites a colleague, the colleague
accepts; a role change and a deactivation reach the colleague's open session and API key
at once."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect, sync_playwright

from app.auth.models import User
from app.credentials.services import create_api_key
from app.extensions import db
from tests.browser.test_invoice_flow import (CHROMIUM, CHROMIUM_FLAGS, DESKTOP, PHONE, assert_accessible,
                                             no_horizontal_scroll, shoot)
from tests.factories import PASSWORD, make_partner, make_purchase_order, make_user, totp_code
from tests.live import LiveServer
from tests.mail_helpers import deliver_emails, text_of

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COLLEAGUE = "ben@acme-concrete.example"
COLLEAGUE_PASSWORD = "gravel truck on level nine"


@pytest.fixture
def team_stack(app, smtp_server):
    partner = make_partner()
    make_purchase_order(partner)
    owner = make_user(partner, email="owner@acme-concrete.example")
    server = LiveServer(dict(app.config))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield {"url": server.url, "owner": owner, "browser": browser, "smtp": smtp_server}
        browser.close()
    server.stop()


def sign_in(page, base: str, email: str) -> None:
    """E-mail first (home-realm discovery), then the password and the owner's code."""
    page.goto(f"{base}/login")
    page.get_by_label("E-mail address").fill(email)
    if page.get_by_role("button", name="Continue").count():
        page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if page.url.endswith("/login/two-step"):
        page.get_by_label("Code from your authenticator app").fill(totp_code(email=email))
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()


def api_status(base: str, key: str, path: str, body: dict | None = None) -> int:
    request = urllib.request.Request(f"{base}/api/v1{path}", method="POST" if body is not None else "GET",
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {key}",
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_invite_accept_change_role_and_deactivate(team_stack):
    base, browser = team_stack["url"], team_stack["browser"]
    owner_page = browser.new_context(viewport=DESKTOP, bypass_csp=True).new_page()
    sign_in(owner_page, base, team_stack["owner"].email)
    owner_page.get_by_role("link", name="Team").click()
    expect(owner_page.get_by_role("heading", name="Team", exact=True)).to_be_visible()

    owner_page.get_by_role("button", name="Send invitation").click()
    expect(owner_page.get_by_role("heading", name="There is a problem")).to_be_visible()
    shoot(owner_page, "team-01-invite-error-desktop")
    assert_accessible(owner_page, "team page with errors")

    owner_page.get_by_label("E-mail address").fill(COLLEAGUE)
    owner_page.get_by_label("Role", exact=True).select_option(label="Billing: also submits invoices")
    owner_page.get_by_role("button", name="Send invitation").click()
    expect(owner_page.get_by_text(f"Invitation sent to {COLLEAGUE}.")).to_be_visible()
    expect(owner_page.locator("section", has_text="Pending invitations")).to_contain_text(COLLEAGUE)
    shoot(owner_page, "team-02-invitation-pending-desktop")
    assert_accessible(owner_page, "team page")

    deliver_emails()
    [mail] = team_stack["smtp"].to(COLLEAGUE)
    link = re.search(r"http://\S+(/invitations/\S+)", text_of(mail)).group(1)

    colleague_page = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    colleague_page.goto(f"{base}{link}")
    expect(colleague_page.get_by_role("heading", name="Join Acme Concrete LLC")).to_be_visible()
    colleague_page.get_by_label("Choose a password").fill("short")
    colleague_page.get_by_role("button", name="Accept and sign in").click()
    expect(colleague_page.get_by_text("at least 12 characters").first).to_be_visible()
    shoot(colleague_page, "team-03-accept-error-phone")
    assert_accessible(colleague_page, "accept invitation")
    assert no_horizontal_scroll(colleague_page)
    colleague_page.get_by_label("Choose a password").fill(COLLEAGUE_PASSWORD)
    colleague_page.get_by_role("button", name="Accept and sign in").click()
    expect(colleague_page.get_by_text("Welcome to Acme Concrete LLC.")).to_be_visible()
    expect(colleague_page.get_by_text(f"Signed in as {COLLEAGUE}")).to_be_visible()
    shoot(colleague_page, "team-04-accepted-signed-in-phone")

    colleague = db.session.scalar(db.select(User).where(User.email == COLLEAGUE))
    _, key = create_api_key(colleague.partner_id, ["purchase_orders:read", "invoices:write"],
                            created_by=colleague, actor=colleague)
    db.session.commit()
    assert api_status(base, key, "/invoices", {}) == 422  # allowed, just an empty body
    colleague_page.goto(f"{base}/invoices")
    expect(colleague_page.get_by_role("link", name="Submit an invoice")).to_be_visible()

    owner_page.reload()
    owner_page.get_by_label(f"Role of {COLLEAGUE}").select_option(label="Viewer")
    owner_page.locator(f"#member-{colleague.id}").get_by_role("button", name="Change role").click()
    expect(owner_page.get_by_text(f"{COLLEAGUE} is now Viewer.")).to_be_visible()
    shoot(owner_page, "team-05-role-changed-desktop")

    colleague_page.reload()
    expect(colleague_page.get_by_role("heading", name="Invoices")).to_be_visible()
    expect(colleague_page.get_by_role("link", name="Submit an invoice")).to_have_count(0)
    assert api_status(base, key, "/invoices", {}) == 403
    assert api_status(base, key, "/purchase-orders") == 200

    questions = []
    owner_page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    owner_page.get_by_role("button", name=f"Deactivate {COLLEAGUE}").click()
    expect(owner_page.get_by_text(f"{COLLEAGUE} is deactivated")).to_be_visible()
    assert questions and "signed out at once" in questions[0]
    expect(owner_page.locator(f"#member-{colleague.id}")).to_contain_text("Deactivated")
    shoot(owner_page, "team-06-deactivated-desktop")
    assert_accessible(owner_page, "team page after deactivation")

    colleague_page.reload()
    expect(colleague_page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert "/login" in colleague_page.url
    shoot(colleague_page, "team-07-colleague-signed-out-phone")
    assert api_status(base, key, "/purchase-orders") == 401


def test_owner_cannot_remove_the_last_owner(team_stack):
    base, browser = team_stack["url"], team_stack["browser"]
    page = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    sign_in(page, base, team_stack["owner"].email)
    page.goto(f"{base}/team")
    owner = team_stack["owner"].email
    expect(page.get_by_role("button", name=f"Deactivate {owner}")).to_have_count(0)  # not on your own row
    page.get_by_label(f"Role of {owner}").select_option("partner_viewer")
    page.locator(f"#member-{team_stack['owner'].id}").get_by_role("button", name="Change role").click()
    expect(page.get_by_text("The company needs at least one active owner.")).to_be_visible()
    shoot(page, "team-08-last-owner-phone")
    assert no_horizontal_scroll(page)
    assert_accessible(page, "team page on a phone")
