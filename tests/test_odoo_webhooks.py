"""Odoo's automation webhooks trigger a targeted re-read; polling stays the safety net."""
import pytest

from app.extensions import db
from app.integration import jobs
from app.integration.queue import get_queue
from app.invoices.models import InvoiceStatus
from tests.odoo_helpers import bills_for_ref, clerk_action
from tests.test_odoo_push import deliver, po, submit, synced_partner

pytestmark = pytest.mark.config(ODOO_WEBHOOK_SECRET="s3cret-webhook-token")


def test_wrong_or_missing_secret_is_404(client):
    assert client.post("/hooks/odoo/guess", json={"_model": "purchase.order", "_id": 13}).status_code == 404


@pytest.mark.config(ODOO_WEBHOOK_SECRET="")
def test_hooks_are_off_without_a_secret(client):
    assert client.post("/hooks/odoo/", json={}).status_code == 404
    assert client.post("/hooks/odoo/anything", json={"_model": "purchase.order", "_id": 13}).status_code == 404


@pytest.mark.parametrize("payload", [{"_model": "res.partner", "_id": 1}, {"_model": "purchase.order"},
                                     {"_model": "purchase.order", "_id": "13"}, [1], None,
                                     {"_model": "purchase.order", "_id": 2**70}])
def test_bad_payloads_are_refused(client, payload):
    response = client.post("/hooks/odoo/s3cret-webhook-token", json=payload)
    assert response.status_code == 422


def test_a_burst_of_hooks_queues_one_re_read(client):
    for _ in range(3):
        response = client.post("/hooks/odoo/s3cret-webhook-token", json={"_model": "purchase.order", "_id": 13,
                                                                         "_action": "Send Webhook(#4)"})
        assert response.status_code == 202
    assert len(get_queue().job_ids) == 1


def test_bill_posted_in_odoo_reaches_the_partner(odoo, app, client):
    partner = synced_partner()
    invoice = submit(partner)
    deliver(invoice)
    [bill] = bills_for_ref(odoo, "SUB-1")
    clerk_action(odoo, bill["id"], "post")
    client.post("/hooks/odoo/s3cret-webhook-token", json={"_model": "account.move", "_id": bill["id"]})
    assert jobs.refresh_from_odoo("account.move", bill["id"]) == "updated"
    db.session.refresh(invoice)
    assert invoice.status is InvoiceStatus.APPROVED


def test_po_change_is_re_read(odoo, app):
    from app.integration.jobs import odoo_client
    synced_partner()
    odoo_client().write("purchase.order.line", [28], {"price_unit": 150})
    assert jobs.refresh_from_odoo("purchase.order", 13) == "updated"
    assert po("P00013").lines[1].unit_price == 150


def test_other_vendors_records_are_ignored(odoo, app):
    synced_partner()
    assert jobs.refresh_from_odoo("purchase.order", 10) == "not ours"  # Brightline's PO
    assert jobs.refresh_from_odoo("account.move", 999) == "not ours"
