"""Staff sync console and the partner's timeline."""
import pytest

from app.auth.models import Role
from app.extensions import db
from app.integration.models import DeliveryState, StepKind
from app.invoices.models import InvoiceStatus
from tests.factories import login, make_user
from tests.odoo_helpers import clear_faults, set_faults
from tests.test_odoo_push import deliver, event_for, submit, synced_partner


@pytest.fixture
def staff(app):
    return make_user(None, email="ap@summit.example", role=Role.STAFF_ADMIN)


def test_timeline_records_every_step_of_a_delivery(odoo, app):
    partner = synced_partner()
    invoice = submit(partner)
    set_faults(odoo, fail_every=1, mode="http500")
    deliver(invoice)
    clear_faults(odoo)
    deliver(invoice)
    steps = [(s.kind, s.attempt) for s in event_for(invoice).timeline]
    assert steps == [(StepKind.QUEUED, 0), (StepKind.SENDING, 1), (StepKind.RETRYING, 1),
                     (StepKind.SENDING, 2), (StepKind.SYNCED, 2)]


def test_partner_sees_the_journey_in_plain_words(odoo, app, client):
    partner = synced_partner()
    invoice = submit(partner)
    set_faults(odoo, fail_every=1, mode="http500")
    deliver(invoice)
    clear_faults(odoo)
    deliver(invoice)
    page = login(client, make_user(partner, email="clerk@acme.example")).get(f"/invoices/{invoice.id}").get_data(as_text=True)
    history = page.split('id="invoice-timeline"')[1].split("</ol>")[0]
    assert "Submitted through the portal" in history
    assert "did not answer; trying again" in history
    assert "Sent to Summit Builders Inc.&#39;s accounting" in history
    assert "500" not in history  # technical details stay with staff


def test_console_lists_filters_and_never_500s_on_bad_filters(odoo, app, client, staff):
    partner = synced_partner()
    ok, bad = submit(partner, number="OK-1", quantities=("1",)), submit(partner, number="BAD-1", quantities=("1",))
    deliver(ok)
    partner.odoo_partner_id = 999999
    db.session.commit()
    deliver(bad)
    login(client, staff)
    page = client.get("/staff/sync?state=failed").get_data(as_text=True)
    assert f"#{event_for(bad).id}<" in page and f"#{event_for(ok).id}<" not in page
    assert "1 delivery needs attention." in page
    for query in ("state=nonsense", "partner=abc", "older_than=-5", "older_than=99999999999", "partner=0"):
        assert client.get(f"/staff/sync?{query}").status_code == 200, query
    assert f"#{event_for(ok).id}<" not in client.get("/staff/sync?older_than=60").get_data(as_text=True)


def test_retry_all_failed_after_the_fix(odoo, app, client, staff):
    partner = synced_partner()
    invoice = submit(partner)
    partner.odoo_partner_id = 999999
    db.session.commit()
    assert deliver(invoice) == "failed"
    partner.odoo_partner_id = 45
    db.session.commit()
    login(client, staff)
    assert client.post("/staff/sync/retry-failed").status_code == 302
    event = event_for(invoice)
    assert event.state is DeliveryState.QUEUED and event.timeline[-1].actor_label == staff.email
    assert deliver(invoice) == "synced"


def test_cancel_with_a_reason_rejects_the_invoice(odoo, app, client, staff):
    partner = synced_partner()
    invoice = submit(partner)
    event = event_for(invoice)
    login(client, staff)
    response = client.post(f"/staff/outbox/{event.id}/cancel", data={"reason": "  "})
    assert response.status_code == 422 and "Say why" in response.get_data(as_text=True)
    client.post(f"/staff/outbox/{event.id}/cancel", data={"reason": "Wrong PO: bill P00011 <b>instead</b>"})
    db.session.expire_all()
    assert event_for(invoice).state is DeliveryState.CANCELLED
    assert invoice.status is InvoiceStatus.REJECTED
    assert deliver(invoice) == "nothing to do"
    client.post("/logout")
    page = login(client, make_user(partner, email="clerk@acme.example")).get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "rejected this invoice: Wrong PO: bill P00011 &lt;b&gt;instead&lt;/b&gt;" in page


def test_console_is_for_staff_only(odoo, app, client):
    partner = synced_partner()
    invoice = submit(partner)
    login(client, make_user(partner, email="owner@acme.example"))
    event_id = event_for(invoice).id
    for method, path in (("get", "/staff/sync"), ("get", f"/staff/outbox/{event_id}"),
                         ("post", "/staff/sync/retry-failed"), ("post", f"/staff/outbox/{event_id}/cancel")):
        assert getattr(client, method)(path).status_code == 403, path


def test_unknown_event_is_404_for_staff(client, staff):
    login(client, staff)
    assert client.get("/staff/outbox/424242").status_code == 404
    assert client.get("/staff/outbox/99999999999999999").status_code == 404


def test_console_filters_by_project(odoo, app, client, staff):
    partner = synced_partner()
    tower = submit(partner, number="TOWER-1", quantities=("1",))
    bridge = submit(partner, number="BRIDGE-1", quantities=("1",), po_number="P00011")
    login(client, staff)
    page = client.get("/staff/sync?project=Bridge+B2").get_data(as_text=True)
    assert f"#{event_for(bridge).id}<" in page and f"#{event_for(tower).id}<" not in page
    assert '<option value="Tower A"' in page
