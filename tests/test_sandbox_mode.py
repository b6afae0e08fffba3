"""Test mode: rbr_test_ keys belong to a partner's sandbox twin and work on the Odoo sandbox's
data only. Two Odoo sandboxes run: `odoo` plays the live Odoo (ODOO_URL), `sandbox_odoo` the
test-mode one (ODOO_SANDBOX_URL); both start from the same seed, so their ids collide, as a
real sandbox's would with production's."""
import base64

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.auth.services import AccountError, create_user
from app.config import load_config
from app.credentials.models import ApiKey
from app.credentials.sandbox import create_test_api_key, partner_ids_with_twin, sandbox_twin_of
from app.credentials.services import CredentialError
from app.extensions import db
from app.integration import jobs
from app.integration.breaker import OdooCircuitBreaker
from app.integration.models import OutboxEvent
from app.integration.odoo_access import sandbox_breaker
from app.integration.sandbox_jobs import TWIN_TOPIC
from app.onboarding.services import submitted_applications
from app.partners.models import Partner, PartnerStatus
from app.purchasing.models import PurchaseOrder
from tests.conftest import _reset_sandbox, _serve_sandbox
from tests.factories import make_api_key, make_partner, make_user, pdf_bytes
from tests.odoo_helpers import bills_for_ref, clerk_action, sandbox_state, deliver_event_now

ACME_VAT = "84-1234567"  # the seed's vendor 45 in both Odoo sandboxes
SCOPES = "purchase_orders:read,invoices:read,invoices:write"


@pytest.fixture(scope="module")
def sandbox_server():
    """A second Odoo sandbox, for test mode only (the `odoo` fixture plays the live one)."""
    url, server = _serve_sandbox("19")
    yield url
    server.shutdown()


@pytest.fixture
def sandbox_odoo(app, sandbox_server):
    url = _reset_sandbox(sandbox_server)
    assert url.rstrip("/") != app.config["ODOO_URL"].rstrip("/"), "test mode must not share the live Odoo"
    app.config.update(ODOO_SANDBOX_URL=url, ODOO_SANDBOX_PROTOCOL="auto")
    return url


def acme(tax_id=ACME_VAT) -> Partner:
    partner = make_partner()
    partner.tax_id, partner.country_code = tax_id, "US"
    db.session.commit()
    return partner


def deliver(event_id: int) -> str:
    return deliver_event_now(event_id)


def open_event(topic: str) -> OutboxEvent:
    return db.session.scalars(select(OutboxEvent).where(OutboxEvent.topic == topic)
                              .order_by(OutboxEvent.id.desc())).first()


def new_test_key(runner, partner) -> str:
    result = runner.invoke(args=["create-api-key", "--partner", str(partner.id), "--scopes", SCOPES, "--test"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def ready_twin(runner, partner) -> tuple[str, Partner]:
    """A test key, its twin's vendor made in the sandbox and the twin's POs mirrored."""
    key = new_test_key(runner, partner)
    assert deliver(open_event(TWIN_TOPIC).id) == "synced"
    twin = sandbox_twin_of(db.session.get(Partner, partner.id))
    jobs.sync_purchase_orders(twin.id)
    return key, twin


def get(client, key, path):
    return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {key}"})


def invoice_body(order_id, line_id, number):
    return {"purchase_order_id": order_id, "invoice_number": number, "invoice_date": "2026-12-01",
            "lines": [{"purchase_order_line_id": line_id, "quantity": "1"}],
            "attachments": [{"filename": f"{number}.pdf",
                             "content_base64": base64.b64encode(pdf_bytes()).decode()}]}


def test_test_key_works_on_the_sandbox_only_and_live_and_test_data_never_meet(app, client, runner,
                                                                              odoo, sandbox_odoo):
    partner = acme()
    jobs.sync_purchase_orders(partner.id)  # the live partner's POs, from the "live" Odoo
    live_key = make_api_key(partner)
    key, twin = ready_twin(runner, partner)

    assert key.startswith("rbr_test_") and live_key.startswith("rbr_live_")
    assert twin.is_sandbox and twin.sandbox_of_id == partner.id and twin.name == "Acme Concrete LLC (test)"
    assert twin.status is PartnerStatus.APPROVED and twin.odoo_partner_id == 45  # sandbox vendor by VAT
    live_orders = get(client, live_key, "/purchase-orders").get_json()["data"]
    test_orders = get(client, key, "/purchase-orders").get_json()["data"]
    assert {o["number"] for o in live_orders} == {o["number"] for o in test_orders} != set()
    assert not {o["id"] for o in live_orders} & {o["id"] for o in test_orders}
    twin_rows = db.session.scalars(select(PurchaseOrder).where(PurchaseOrder.partner_id == twin.id)).all()
    assert twin_rows and all(o.is_sandbox for o in twin_rows)

    # Each key's ids are another company's to the other key: 404, like a missing id.
    live_po = next(o for o in live_orders if o["number"] == "P00013")
    test_po = next(o for o in test_orders if o["number"] == "P00013")
    assert get(client, key, f"/purchase-orders/{live_po['id']}").status_code == 404
    assert get(client, live_key, f"/purchase-orders/{test_po['id']}").status_code == 404

    line = get(client, key, f"/purchase-orders/{test_po['id']}").get_json()["lines"][0]
    created = client.post("/api/v1/invoices", json=invoice_body(test_po["id"], line["id"], "TEST-INV-1"),
                          headers={"Authorization": f"Bearer {key}"})
    assert created.status_code == 201, created.get_json()
    invoice_id = created.get_json()["id"]
    assert get(client, live_key, f"/invoices/{invoice_id}").status_code == 404
    assert get(client, live_key, "/invoices").get_json()["data"] == []

    assert deliver(open_event("invoice.submitted").id) == "synced"
    [bill] = bills_for_ref(sandbox_odoo, "TEST-INV-1")
    live_odoo = sandbox_state(odoo)  # nothing of test mode reached the live Odoo
    assert live_odoo["bills"] == [] and not [v for v in live_odoo["vendors"] if "(test)" in v["name"]]
    assert get(client, key, f"/invoices/{invoice_id}").get_json()["sync"]["odoo_bill_id"] == bill["id"]

    # The live key still bills the live PO in the live Odoo (same Odoo ids, other records).
    live_line = get(client, live_key, f"/purchase-orders/{live_po['id']}").get_json()["lines"][0]
    created = client.post("/api/v1/invoices", json=invoice_body(live_po["id"], live_line["id"], "LIVE-INV-1"),
                          headers={"Authorization": f"Bearer {live_key}"})
    assert created.status_code == 201
    assert get(client, key, f"/invoices/{created.get_json()['id']}").status_code == 404
    assert deliver(open_event("invoice.submitted").id) == "synced"
    assert len(bills_for_ref(odoo, "LIVE-INV-1")) == 1 and bills_for_ref(sandbox_odoo, "LIVE-INV-1") == []
    # Bill states are read back from each invoice's own Odoo (the bill ids collide too).
    clerk_action(sandbox_odoo, bill["id"], "post")
    assert jobs.refresh_bill_statuses() == 1
    assert get(client, key, f"/invoices/{invoice_id}").get_json()["status"] == "approved"
    assert get(client, live_key, f"/invoices/{created.get_json()['id']}").get_json()["status"] == "in_review"


def test_a_vendor_new_to_the_sandbox_gets_sample_purchase_orders(app, client, runner, sandbox_odoo):
    partner = acme(tax_id="84-9990077")
    key, twin = ready_twin(runner, partner)

    vendors = [v for v in sandbox_state(sandbox_odoo)["vendors"] if v["id"] == twin.odoo_partner_id]
    assert vendors and vendors[0]["name"] == "Acme Concrete LLC (test)"
    orders = get(client, key, "/purchase-orders").get_json()["data"]
    assert len(orders) == 3 and {o["state"] for o in orders} == {"confirmed"}
    # Delivered again (a lost ack, a second test key): no more samples, no second vendor.
    new_test_key(runner, partner)
    assert db.session.scalar(select(ApiKey).where(ApiKey.partner_id == twin.id).limit(1)) is not None
    event = open_event(TWIN_TOPIC)
    if event is not None and event.state.is_open:
        deliver(event.id)
    samples = [o for o in sandbox_state(sandbox_odoo)["purchase_orders"]
               if o["partner_id"][0] == twin.odoo_partner_id]
    assert sorted(o["partner_ref"] for o in samples) == ["TEST-1", "TEST-2", "TEST-3"]
    assert {o["state"] for o in samples} == {"purchase"}


def test_a_key_with_the_other_prefix_is_refused(app, client, runner, sandbox_odoo):
    partner = acme()
    key = new_test_key(runner, partner)
    live_key = make_api_key(partner)
    assert get(client, key, "/purchase-orders").status_code == 200
    assert get(client, key.replace("rbr_test_", "rbr_live_", 1), "/purchase-orders").status_code == 401
    assert get(client, live_key.replace("rbr_live_", "rbr_test_", 1), "/purchase-orders").status_code == 401


@pytest.mark.parametrize("environment", ["production", "development"])
def test_without_a_separate_sandbox_test_keys_are_refused(app, runner, environment):
    """Off unless named; never the live Odoo, in any environment (make run starts a second one)."""
    assert load_config({"REBAR_ENV": "production"})["ODOO_SANDBOX_URL"] == ""
    assert load_config({})["ODOO_SANDBOX_URL"] == ""
    partner = acme()
    app.config.update(REBAR_ENV=environment, ODOO_SANDBOX_URL="")
    result = runner.invoke(args=["create-api-key", "--partner", str(partner.id), "--scopes", SCOPES, "--test"])
    assert result.exit_code != 0 and "Test mode is off: set ODOO_SANDBOX_URL" in result.output
    app.config.update(ODOO_SANDBOX_URL=app.config["ODOO_URL"], ODOO_SANDBOX_DB=app.config["ODOO_DB"])
    with pytest.raises(CredentialError, match="name the live Odoo"):
        create_test_api_key(partner, ["purchase_orders:read"])
    db.session.rollback()
    assert sandbox_twin_of(partner) is None and db.session.scalar(select(ApiKey)) is None


def test_only_approved_real_companies_get_test_keys(app, sandbox_odoo):
    partner = acme()
    partner.status = PartnerStatus.SUBMITTED
    db.session.commit()
    with pytest.raises(CredentialError, match="approved"):
        create_test_api_key(partner, ["purchase_orders:read"])
    db.session.rollback()


def test_twins_have_no_users_and_stay_out_of_the_onboarding_queue(app, runner, sandbox_odoo):
    partner = acme()
    owner = make_user(partner)
    new_test_key(runner, partner)
    twin = sandbox_twin_of(partner)
    with pytest.raises(AccountError, match="test-mode"):
        create_user("dev@acme.example", None, Role.PARTNER_VIEWER, twin.id, federated=True)
    db.session.rollback()
    assert twin not in submitted_applications(PartnerStatus.APPROVED)
    assert partner_ids_with_twin(partner) == [partner.id, twin.id]
    # A portal user's test key is made for the twin but still stops with its creator.
    _, secret = create_test_api_key(partner, ["purchase_orders:read"], "ci", owner)
    db.session.commit()
    stored = db.session.scalar(select(ApiKey).where(ApiKey.created_by_user_id == owner.id))
    assert secret.startswith("rbr_test_") and stored.partner_id == twin.id


def test_sandbox_failures_never_open_the_live_breaker(app):
    sandbox = sandbox_breaker()
    for _ in range(app.config["BREAKER_FAILURE_THRESHOLD"]):
        sandbox.record_failure("sandbox down")
    assert sandbox.state().is_open
    assert not OdooCircuitBreaker().state().is_open


def test_a_sandbox_outage_never_stops_the_live_purchase_order_sync(app, runner, odoo, sandbox_odoo):
    partner = acme()
    new_test_key(runner, partner)
    twin = sandbox_twin_of(partner)
    twin.odoo_partner_id = 45
    db.session.commit()
    app.config["ODOO_SANDBOX_URL"] = "http://127.0.0.1:9"  # nothing listens there
    totals = jobs.sync_purchase_orders()
    assert totals["partners"] == 1 and totals["purchase_orders"] > 0
    assert db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.partner_id == twin.id)) is None
    assert not OdooCircuitBreaker().state().is_open


def test_an_owner_makes_rotates_and_revokes_a_test_key_in_the_portal(app, client, sandbox_odoo):
    import re
    from datetime import date, timedelta

    from tests.factories import login

    partner = acme()
    owner = make_user(partner, email="owner@acme-test.example")
    login(client, owner)
    form = {"name": "ERP sandbox", "scopes": ["purchase_orders:read"], "test_mode": "y",
            "expires_on": (date.today() + timedelta(days=30)).isoformat()}
    assert "Test key" in client.get("/api-keys/new").get_data(as_text=True)
    limited = client.post("/api-keys/new", data={**form, "projects": ["Tower A"]})
    assert limited.status_code == 400
    created = client.post("/api-keys/new", data=form)
    assert created.status_code == 200, created.get_data(as_text=True)[:400]
    secret = re.search(r"rbr_test_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", created.get_data(as_text=True)).group(0)
    assert deliver(open_event(TWIN_TOPIC).id) == "synced"
    twin = sandbox_twin_of(db.session.get(Partner, partner.id))
    jobs.sync_purchase_orders(twin.id)
    assert get(client, secret, "/purchase-orders").status_code == 200

    key = db.session.scalar(select(ApiKey).where(ApiKey.partner_id == twin.id))
    listing = client.get("/api-keys").get_data(as_text=True)
    assert "ERP sandbox" in listing and f"rbr_test_{key.public_id}" in listing
    rotated = client.post(f"/api-keys/{key.id}/rotate", data={"grace": "none"}).get_data(as_text=True)
    new_secret = re.search(r"rbr_test_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", rotated).group(0)
    assert get(client, new_secret, "/purchase-orders").status_code == 200
    assert get(client, secret, "/purchase-orders").status_code == 401
    assert client.post(f"/api-keys/{key.id}/revoke").status_code == 302
    assert get(client, new_secret, "/purchase-orders").status_code == 401


def test_test_keys_stop_when_their_company_is_no_longer_approved(app, client, runner, sandbox_odoo):
    partner = acme()
    key, twin = ready_twin(runner, partner)
    assert get(client, key, "/purchase-orders").status_code == 200
    db.session.get(Partner, partner.id).status = PartnerStatus.REJECTED
    db.session.commit()
    response = get(client, key, "/purchase-orders")
    assert response.status_code == 403 and response.get_json()["type"].endswith("/partner-not-approved")


def test_test_mode_work_shows_in_the_companys_activity(app, client, runner, sandbox_odoo):
    from tests.factories import login

    partner = acme()
    owner = make_user(partner, email="owner@acme-activity.example")
    new_test_key(runner, partner)
    login(client, owner)
    page = client.get("/activity?area=api_key").get_data(as_text=True)
    assert "API key created" in page and "Test mode: yes" in page
