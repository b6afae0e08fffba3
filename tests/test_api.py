import base64

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.invoices.models import Invoice
from tests.factories import make_api_key, make_partner, make_purchase_order, pdf_bytes


@pytest.fixture
def api(app, client):
    partner = make_partner()
    order = make_purchase_order(partner)
    key = make_api_key(partner)
    return client, {"Authorization": f"Bearer {key}"}, order


def invoice_body(order, quantity="12.5", number="API-1", attachments=None):
    return {
        "purchase_order_id": order.id, "invoice_number": number, "invoice_date": "2026-12-01",
        "lines": [{"purchase_order_line_id": order.lines[0].id, "quantity": quantity}],
        "attachments": attachments if attachments is not None else
        [{"filename": "inv.pdf", "content_base64": base64.b64encode(pdf_bytes()).decode()}],
    }


def test_list_and_detail_of_purchase_orders(api):
    client, headers, order = api
    listing = client.get("/api/v1/purchase-orders", headers=headers).get_json()
    assert [po["number"] for po in listing["data"]] == ["P00013"]
    detail = client.get(f"/api/v1/purchase-orders/{order.id}", headers=headers).get_json()
    assert detail["id"] == order.id and detail["number"] == "P00013" and detail["state"] == "confirmed"
    assert detail["currency"] == "USD"
    line = detail["lines"][0]
    assert line == {"id": order.lines[0].id, "description": "Concrete pour (m3) - level 1",
                    "quantity": "40", "quantity_received": "0", "quantity_billed": "0",
                    "quantity_in_flight": "0", "unit_price": "135", "remaining_quantity": "40",
                    "remaining_amount": "5400.00"}


def test_create_invoice_returns_201_with_sync_block(api):
    client, headers, order = api
    response = client.post("/api/v1/invoices", json=invoice_body(order), headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "submitted" and body["amount_untaxed"] == "1687.50"
    assert body["sync"] == {"state": "queued", "odoo_bill_id": None, "error": None}
    assert response.headers["Location"] == f"/api/v1/invoices/{body['id']}"
    again = client.get(f"/api/v1/invoices/{body['id']}", headers=headers).get_json()
    assert again["invoice_number"] == "API-1"
    remaining = client.get(f"/api/v1/purchase-orders/{order.id}", headers=headers).get_json()
    assert remaining["lines"][0]["remaining_quantity"] == "27.5"


@pytest.mark.parametrize("mutate, field", [
    (lambda b: b.update(lines=[{"purchase_order_line_id": b["lines"][0]["purchase_order_line_id"],
                                "quantity": 1e30}]), "lines[0].quantity"),
    (lambda b: b["lines"][0].update(quantity=-3), "lines[0].quantity"),
    (lambda b: b["lines"][0].update(quantity="41"), "lines[0].quantity"),
    (lambda b: b["lines"][0].update(purchase_order_line_id="1"), "lines[0].purchase_order_line_id"),
    (lambda b: b.update(lines="all of them"), "lines"),
    (lambda b: b.update(invoice_date="31/12/2026"), "invoice_date"),
    (lambda b: b.update(invoice_number=None), "invoice_number"),
    (lambda b: b.update(attachments=[]), "attachments"),
    (lambda b: b.update(attachments=[{"filename": "x.pdf", "content_base64": "%%%"}]),
     "attachments[0].content_base64"),
    (lambda b: b.update(attachments=[{"filename": "x.pdf",
                                      "content_base64": base64.b64encode(b"plain text").decode()}]),
     "attachments[0]"),
    (lambda b: b.update(purchase_order_id="13"), "purchase_order_id"),
])
def test_validation_errors_are_problem_json_422_and_store_nothing(api, mutate, field):
    client, headers, order = api
    body = invoice_body(order)
    mutate(body)
    response = client.post("/api/v1/invoices", json=body, headers=headers)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in [e["field"] for e in response.get_json()["errors"]]
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 0


@pytest.mark.parametrize("data, content_type", [
    ("[" * 100_000, "application/json"), ('{"a": 1', "application/json"),
    ("[1, 2]", "application/json"), ('{"purchase_order_id": ' + str(2**70) + "}", "application/json"),
    ('{"invoice_number": "\\ud800"}', "application/json"),
])
def test_malformed_bodies_are_a_422_not_a_500(api, data, content_type):
    client, headers, _ = api
    response = client.post("/api/v1/invoices", data=data, headers=headers, content_type=content_type)
    assert response.status_code == 422, response.get_data(as_text=True)[:200]
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("path", ["/api/v1/purchase-orders/99999999999999999999999",
                                  "/api/v1/invoices/99999999999999999999999", "/api/v1/invoices/0",
                                  "/api/v1/purchase-orders/-1"])
def test_out_of_range_ids_are_404(api, path):
    client, headers, _ = api
    assert client.get(path, headers=headers).status_code == 404


def test_a_body_that_is_not_json_is_415(api):
    client, headers, _ = api
    response = client.post("/api/v1/invoices", data="<xml/>", headers=headers, content_type="text/xml")
    assert response.status_code == 415 and response.mimetype == "application/problem+json"


def test_duplicate_number_over_api(api):
    client, headers, order = api
    assert client.post("/api/v1/invoices", json=invoice_body(order, "1"), headers=headers).status_code == 201
    response = client.post("/api/v1/invoices", json=invoice_body(order, "1"), headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "invoice_number"


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer rbr_live_0000000000000000_" + "a" * 43])
def test_missing_or_bad_key_is_401(api, header):
    client, _, _ = api
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/purchase-orders", headers=headers)
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_key_in_query_string_is_refused(api):
    client, headers, _ = api
    key = headers["Authorization"].split()[1]
    for query in (f"api_key={key}", f"key={key}", f"apikey={key}", f"Token={key}", f"q={key}",
                  f"status=confirmed&x={key}"):
        for sent_header_too in ({}, headers):
            response = client.get(f"/api/v1/purchase-orders?{query}", headers=sent_header_too)
            assert response.status_code == 400, query
            assert "never in the URL" in response.get_json()["detail"]


def test_scope_is_enforced(app, client):
    partner = make_partner()
    order = make_purchase_order(partner)
    key = make_api_key(partner, scopes=("purchase_orders:read",))
    response = client.post("/api/v1/invoices", json=invoice_body(order), headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 403


def test_unknown_api_route_is_problem_json(api):
    client, headers, _ = api
    response = client.get("/api/v1/nothing-here", headers=headers)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


from tests.api_contract import api_contract  # noqa: E402,F401

pytestmark = pytest.mark.usefixtures("api_contract")
