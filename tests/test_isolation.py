"""Partner A can never read or use partner B's records, on any route."""
import base64

import pytest

from app.extensions import db
from app.invoices.services import InvoiceRequest, LineRequest, submit_invoice
from app.uploads import Upload
from tests.factories import (login, make_api_key, make_partner, make_purchase_order, make_user,
                             pdf_bytes)
from datetime import date


@pytest.fixture
def tenants(app):
    a = make_partner("Acme Concrete LLC", 45)
    b = make_partner("Brightline Electrical Inc.", 46)
    order_b = make_purchase_order(b, odoo_id=14, number="P00014", lines=((40, "Wiring", "10", "0", "50"),))
    user_b = make_user(b, email="b@brightline.example")
    invoice_b = submit_invoice(b.id, InvoiceRequest(order_b.id, "B-1", "2026-12-01",
                                                    [LineRequest(order_b.lines[0].id, "1")],
                                                    Upload("b.pdf", pdf_bytes())),
                               actor=user_b, today=date(2026, 12, 3))
    db.session.commit()
    return {"a": a, "user_a": make_user(a, email="a@acme.example"), "key_a": make_api_key(a),
            "order_b": order_b, "invoice_b": invoice_b}


def test_browser_routes_hide_other_companies_records(client, tenants):
    login(client, tenants["user_a"])
    order_b, invoice_b = tenants["order_b"], tenants["invoice_b"]
    for path in (f"/purchase-orders/{order_b.id}", f"/invoices/{invoice_b.id}",
                 f"/invoices/{invoice_b.id}/files/{invoice_b.files[0].id}",
                 f"/invoices/new?purchase_order={order_b.id}"):
        assert client.get(path).status_code == 404, path
    response = client.post(f"/invoices/new?purchase_order={order_b.id}", data={"invoice_number": "X"})
    assert response.status_code == 404
    assert "P00014" not in client.get("/purchase-orders").get_data(as_text=True)
    assert "B-1" not in client.get("/invoices").get_data(as_text=True)
    assert "P00014" not in client.get("/invoices/new").get_data(as_text=True)


def test_api_routes_hide_other_companies_records(client, tenants):
    headers = {"Authorization": f"Bearer {tenants['key_a']}"}
    order_b, invoice_b = tenants["order_b"], tenants["invoice_b"]
    missing_po = client.get("/api/v1/purchase-orders/999999", headers=headers)
    other_po = client.get(f"/api/v1/purchase-orders/{order_b.id}", headers=headers)
    assert other_po.status_code == 404 and other_po.get_json() == missing_po.get_json()
    missing_inv = client.get("/api/v1/invoices/999999", headers=headers)
    other_inv = client.get(f"/api/v1/invoices/{invoice_b.id}", headers=headers)
    assert other_inv.status_code == 404 and other_inv.get_json() == missing_inv.get_json()
    assert client.get("/api/v1/purchase-orders", headers=headers).get_json() == {"data": [], "next_cursor": None}
    assert client.get("/api/v1/invoices", headers=headers).get_json() == {"data": [], "next_cursor": None}
    response = client.post("/api/v1/invoices", headers=headers, json={
        "purchase_order_id": order_b.id, "invoice_number": "A-1", "invoice_date": "2026-12-01",
        "lines": [{"purchase_order_line_id": order_b.lines[0].id, "quantity": "1"}],
        "attachments": [{"filename": "a.pdf", "content_base64": base64.b64encode(pdf_bytes()).decode()}]})
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"field": "purchase_order_id",
                                              "detail": "Choose one of your purchase orders."}]


def test_staff_retry_of_unknown_event_is_404_for_staff_and_403_for_partners(client, tenants):
    login(client, tenants["user_a"])
    assert client.post("/staff/outbox/1/retry").status_code == 403
