"""A supplier's integration over real HTTP with a real worker and the Odoo sandbox: a retried
create with the same Idempotency-Key makes one bill; a cancel after the push is refused."""
import base64
import uuid

import pytest
import requests

from app.integration import jobs
from tests.factories import make_partner, pdf_bytes
from tests.live import LiveServer, Worker, wait_until
from tests.odoo_helpers import bills_for_ref

pytestmark = pytest.mark.slow


def test_retry_with_the_same_idempotency_key_makes_one_bill(app, odoo, runner):
    partner = make_partner()
    jobs.sync_purchase_orders(partner.id)
    key = runner.invoke(args=["create-api-key", "--partner", str(partner.id), "--scopes",
                              "purchase_orders:read,invoices:read,invoices:write"]).output.strip()
    server, worker = LiveServer(dict(app.config)), Worker(dict(app.config))
    try:
        base, headers = f"{server.url}/api/v1", {"Authorization": f"Bearer {key}"}
        orders = requests.get(f"{base}/purchase-orders?status=confirmed", headers=headers, timeout=10).json()
        order = next(o for o in orders["data"] if o["number"] == "P00013")
        line = requests.get(f"{base}/purchase-orders/{order['id']}", headers=headers, timeout=10).json()["lines"][0]
        body = {"purchase_order_id": order["id"], "invoice_number": "IDEM-1", "invoice_date": "2026-12-01",
                "lines": [{"purchase_order_line_id": line["id"], "quantity": "1"}],
                "attachments": [{"filename": "IDEM-1.pdf", "content_base64": base64.b64encode(pdf_bytes()).decode()}]}
        keyed = {**headers, "Idempotency-Key": str(uuid.uuid4())}
        first = requests.post(f"{base}/invoices", json=body, headers=keyed, timeout=30)
        retry = requests.post(f"{base}/invoices", json=body, headers=keyed, timeout=30)
        assert first.status_code == retry.status_code == 201
        assert retry.headers["Idempotent-Replayed"] == "true" and retry.json()["id"] == first.json()["id"]
        invoice_url = f"{base}/invoices/{first.json()['id']}"
        wait_until(lambda: requests.get(invoice_url, headers=headers, timeout=10).json()["sync"]["state"] == "synced",
                   timeout=20, message="bill in Odoo")
        assert len(bills_for_ref(odoo, "IDEM-1")) == 1
        cancel = requests.post(f"{invoice_url}/cancel", headers=headers, timeout=10)
        assert cancel.status_code == 409 and cancel.headers["Content-Type"] == "application/problem+json"
    finally:
        worker.stop()
        server.stop()
