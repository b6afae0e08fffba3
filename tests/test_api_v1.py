"""API v1 conventions: pagination and filters, cancel, profile, idempotency, problem+json,
rate limits, deprecation headers, scopes on every operation."""
from __future__ import annotations

import base64
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select, update

from app.api.deprecation import deprecated
from app.api.models import IdempotencyRecord
from app.api.openapi import OPERATIONS
from app.credentials.services import SCOPES
from app.database import utcnow
from app.extensions import db
from app.integration.models import DeliveryState, OdooBinding, OutboxEvent
from app.invoices.models import Invoice
from app.partners.models import BankAccountStatus, PartnerBankAccount, PartnerStatus
from tests.api_contract import api_contract  # noqa: F401
from tests.factories import make_api_key, make_partner, make_purchase_order, pdf_bytes
from tests.live import LiveServer

pytestmark = pytest.mark.usefixtures("api_contract")


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def invoice_body(order, number="API-1", quantity="1"):
    return {"purchase_order_id": order.id, "invoice_number": number, "invoice_date": "2026-12-01",
            "lines": [{"purchase_order_line_id": order.lines[0].id, "quantity": quantity}],
            "attachments": [{"filename": "inv.pdf",
                             "content_base64": base64.b64encode(pdf_bytes()).decode()}]}


@pytest.fixture
def acme(app):
    partner = make_partner()
    orders = [make_purchase_order(partner, odoo_id=10 + n, number=f"P0001{n}",
                                  lines=((100 + n, "Rebar", "40", "0", "10"),),
                                  state="cancelled" if n == 2 else "confirmed") for n in range(5)]
    return partner, orders, bearer(make_api_key(partner, sorted(SCOPES)))


# --- pagination and filters -------------------------------------------------------------------

def test_purchase_orders_page_through_with_an_opaque_cursor(client, acme):
    _, orders, headers = acme
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/purchase-orders?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers).get_json()
        seen += [po["id"] for po in body["data"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [o.id for o in orders] and pages == 3


def test_an_edited_cursor_is_refused(client, acme):
    _, _, headers = acme
    cursor = client.get("/api/v1/purchase-orders?limit=1", headers=headers).get_json()["next_cursor"]
    payload, signature = cursor.split(".")
    forged = base64.urlsafe_b64encode(b'{"after":0}').decode().rstrip("=") + "." + signature
    response = client.get(f"/api/v1/purchase-orders?cursor={forged}", headers=headers)
    assert response.status_code == 400 and response.get_json()["errors"][0]["field"] == "cursor"


def test_purchase_order_filters(client, acme):
    _, orders, headers = acme
    cancelled = client.get("/api/v1/purchase-orders?status=cancelled", headers=headers).get_json()
    assert [po["number"] for po in cancelled["data"]] == ["P00012"]
    db.session.execute(update(type(orders[0])).values(odoo_write_date=datetime(2026, 1, 1, tzinfo=timezone.utc)))
    db.session.execute(update(type(orders[0])).where(type(orders[0]).id == orders[3].id)
                       .values(odoo_write_date=datetime(2026, 12, 3, tzinfo=timezone.utc)))
    db.session.commit()
    recent = client.get("/api/v1/purchase-orders?updated_since=2026-12-01T00:00:00Z", headers=headers).get_json()
    assert [po["id"] for po in recent["data"]] == [orders[3].id]


@pytest.mark.parametrize("query, field", [
    ("cursor=garbage", "cursor"), ("limit=0", "limit"), ("limit=201", "limit"), ("limit=ten", "limit"),
    ("limit=%C2%B2", "limit"), ("limit=%D9%A3", "limit"),
    ("status=open", "status"), ("updated_since=yesterday", "updated_since"),
    ("updated_since=9999-12-31T23:59:59-23:59", "updated_since"),
])
def test_bad_query_parameters_are_400_with_the_field(client, acme, query, field):
    _, _, headers = acme
    response = client.get(f"/api/v1/purchase-orders?{query}", headers=headers)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert field in [e["field"] for e in response.get_json()["errors"]]


def test_a_cursor_only_works_for_its_own_list(client, acme):
    _, orders, headers = acme
    cursor = client.get("/api/v1/purchase-orders?limit=1", headers=headers).get_json()["next_cursor"]
    response = client.get(f"/api/v1/invoices?cursor={cursor}", headers=headers)
    assert response.status_code == 400 and response.get_json()["errors"][0]["field"] == "cursor"


def test_invoices_list_paginates_and_filters_by_status(client, acme):
    _, orders, headers = acme
    ids = [client.post("/api/v1/invoices", json=invoice_body(orders[0], f"N-{n}"), headers=headers)
           .get_json()["id"] for n in range(3)]
    first = client.get("/api/v1/invoices?limit=2", headers=headers).get_json()
    second = client.get(f"/api/v1/invoices?limit=2&cursor={first['next_cursor']}", headers=headers).get_json()
    assert [i["id"] for i in first["data"] + second["data"]] == ids and second["next_cursor"] is None
    assert client.get("/api/v1/invoices?status=paid", headers=headers).get_json()["data"] == []


def test_invoice_detail_has_timeline_and_attachments(client, acme):
    _, orders, headers = acme
    created = client.post("/api/v1/invoices", json=invoice_body(orders[0]), headers=headers).get_json()
    detail = client.get(f"/api/v1/invoices/{created['id']}", headers=headers).get_json()
    assert [entry["text"] for entry in detail["timeline"]] == ["Submitted through the API"]
    assert detail["attachments"][0]["kind"] == "invoice_pdf"


# --- cancel -------------------------------------------------------------------------------------

def _event_of(invoice_id: int) -> OutboxEvent:
    return db.session.scalar(select(OutboxEvent).where(OutboxEvent.subject_type == "Invoice",
                                                       OutboxEvent.subject_id == invoice_id))


def test_cancel_an_invoice_that_never_left_the_portal(client, acme):
    _, orders, headers = acme
    invoice_id = client.post("/api/v1/invoices", json=invoice_body(orders[0]), headers=headers).get_json()["id"]
    response = client.post(f"/api/v1/invoices/{invoice_id}/cancel", headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "cancelled" and body["timeline"][-1]["text"] == "Withdrawn by you before it was sent"
    db.session.expire_all()
    assert _event_of(invoice_id).state is DeliveryState.CANCELLED
    po = client.get(f"/api/v1/purchase-orders/{orders[0].id}", headers=headers).get_json()
    assert po["lines"][0]["quantity_in_flight"] == "0"
    again = client.post("/api/v1/invoices", json=invoice_body(orders[0]), headers=headers)
    assert again.status_code == 201, "the number of a withdrawn invoice can be used again"
    assert client.post(f"/api/v1/invoices/{invoice_id}/cancel", headers=headers).status_code == 409


@pytest.mark.parametrize("in_flight", ["sending", "retrying", "synced", "bound"])
def test_cancel_once_the_push_started_is_409(client, acme, in_flight):
    _, orders, headers = acme
    invoice_id = client.post("/api/v1/invoices", json=invoice_body(orders[0]), headers=headers).get_json()["id"]
    event = _event_of(invoice_id)
    if in_flight == "bound":
        db.session.add(OdooBinding(odoo_model="account.move", odoo_id=77, local_type="invoice", local_id=invoice_id))
    else:
        event.state, event.attempts = DeliveryState(in_flight), 1
    db.session.commit()
    response = client.post(f"/api/v1/invoices/{invoice_id}/cancel", headers=headers)
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    assert "accounts payable" in response.get_json()["detail"]
    db.session.expire_all()
    assert db.session.get(Invoice, invoice_id).status.value == "submitted"


# --- profile ------------------------------------------------------------------------------------

def test_profile_never_shows_a_full_bank_number(client, acme):
    partner, _, headers = acme
    db.session.add(PartnerBankAccount(partner_id=partner.id, status=BankAccountStatus.ACTIVE,
                                      account_holder="Acme Concrete LLC", country_code="US",
                                      account_number="000123456789", routing_number="021000021",
                                      last4="6789"))
    db.session.commit()
    response = client.get("/api/v1/profile", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "Acme Concrete LLC" and body["bank_account"]["number_last4"] == "6789"
    assert "000123456789" not in response.get_data(as_text=True)
    assert "021000021" not in response.get_data(as_text=True)


# --- idempotency --------------------------------------------------------------------------------

def _invoice_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Invoice))


def test_same_key_same_body_replays_the_first_response(client, acme):
    _, orders, headers = acme
    keyed = {**headers, "Idempotency-Key": "order-42-attempt"}
    first = client.post("/api/v1/invoices", json=invoice_body(orders[0]), headers=keyed)
    replay = client.post("/api/v1/invoices", json=invoice_body(orders[0]), headers=keyed)
    assert first.status_code == replay.status_code == 201
    assert replay.get_json() == first.get_json() and replay.headers["Location"] == first.headers["Location"]
    assert replay.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert _invoice_count() == 1


def test_same_key_other_body_is_409(client, acme):
    _, orders, headers = acme
    keyed = {**headers, "Idempotency-Key": "k-1"}
    assert client.post("/api/v1/invoices", json=invoice_body(orders[0]), headers=keyed).status_code == 201
    response = client.post("/api/v1/invoices", json=invoice_body(orders[0], "OTHER"), headers=keyed)
    assert response.status_code == 409 and response.get_json()["type"].endswith("idempotency-key-reused")
    assert _invoice_count() == 1


def test_keys_are_scoped_per_credential(client, acme):
    partner, orders, headers = acme
    other_key = bearer(make_api_key(partner))
    for h in (headers, other_key):
        client.post("/api/v1/invoices", json=invoice_body(orders[0], f"N-{h['Authorization'][-4:]}"),
                    headers={**h, "Idempotency-Key": "shared"})
    assert _invoice_count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "ünïcode"])
def test_badly_formed_keys_are_400(client, acme, key):
    _, orders, headers = acme
    response = client.post("/api/v1/invoices", json=invoice_body(orders[0]),
                           headers={**headers, "Idempotency-Key": key.encode().decode("latin-1")})
    assert response.status_code == 400 and response.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert _invoice_count() == 0


def test_validation_failures_are_replayed_too_and_keys_expire(client, acme):
    _, orders, headers = acme
    keyed = {**headers, "Idempotency-Key": "expiring"}
    bad = invoice_body(orders[0], quantity="999")
    assert client.post("/api/v1/invoices", json=bad, headers=keyed).status_code == 422
    replay = client.post("/api/v1/invoices", json=bad, headers=keyed)
    assert replay.status_code == 422 and replay.headers["Idempotent-Replayed"] == "true"
    db.session.execute(update(IdempotencyRecord).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    fresh = client.post("/api/v1/invoices", json=invoice_body(orders[0]), headers=keyed)
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh.headers
    assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1


def test_concurrent_duplicates_make_exactly_one_invoice(app, acme):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL; SQLite serialises every writer anyway")
    _, orders, headers = acme
    server = LiveServer(dict(app.config))
    barrier, results, body = threading.Barrier(6), [], invoice_body(orders[0])

    def send():
        barrier.wait()
        results.append(requests.post(f"{server.url}/api/v1/invoices", json=body,
                                     headers={**headers, "Idempotency-Key": "burst"}, timeout=30))
    try:
        threads = [threading.Thread(target=send) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.stop()
    statuses = sorted(r.status_code for r in results)
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}, statuses
    originals = [r for r in results if r.status_code == 201 and "Idempotent-Replayed" not in r.headers]
    assert len(originals) == 1
    assert _invoice_count() == 1
    ids = {r.json()["id"] for r in results if r.status_code == 201}
    assert len(ids) == 1


# --- errors -------------------------------------------------------------------------------------

def test_405_and_413_are_problem_json(client, acme):
    _, _, headers = acme
    response = client.delete("/api/v1/purchase-orders", headers=headers)
    assert response.status_code == 405 and response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]


@pytest.mark.config(MAX_CONTENT_LENGTH=200)
def test_413_is_problem_json(client, acme):
    _, orders, headers = acme
    response = client.post("/api/v1/invoices", json=invoice_body(orders[0]), headers=headers)
    assert response.status_code == 413 and response.mimetype == "application/problem+json"


# --- scopes on every operation ------------------------------------------------------------------

@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op.scope], ids=lambda op: op.endpoint)
def test_every_operation_refuses_a_key_without_its_scope(client, acme, operation):
    partner, orders, _ = acme
    headers = bearer(make_api_key(partner, sorted(SCOPES - {operation.scope})))
    path = operation.path.format(purchase_order_id=orders[0].id, invoice_id=1)
    response = client.open(f"/api/v1{path}", method=operation.method.upper(), headers=headers,
                           json={} if operation.is_write else None)
    assert response.status_code == 403 and operation.scope in response.get_json()["detail"]


# --- rate limits ----------------------------------------------------------------------------------

@pytest.mark.config(API_RATE_LIMIT_PER_KEY="3 per minute", API_RATE_LIMIT_PER_PARTNER="100 per minute")
def test_rate_limit_headers_and_429(client, acme):
    _, _, headers = acme
    responses = [client.get("/api/v1/profile", headers=headers) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert responses[0].headers["RateLimit-Limit"] == "3"
    assert responses[1].headers["RateLimit-Remaining"] == "1"
    assert 0 < int(responses[0].headers["RateLimit-Reset"]) <= 61  # seconds from now (window rounded up)
    assert "Retry-After" not in responses[0].headers  # only on a refusal
    blocked = responses[3]
    assert blocked.mimetype == "application/problem+json" and int(blocked.headers["Retry-After"]) > 0


@pytest.mark.config(API_RATE_LIMIT_PER_KEY="100 per minute", API_RATE_LIMIT_PER_PARTNER="5 per minute")
def test_one_company_burst_does_not_starve_another(client, acme):
    partner_a, _, headers_a = acme
    second_key_a = bearer(make_api_key(partner_a))
    headers_b = bearer(make_api_key(make_partner("Brightline Electrical Inc.", 46)))
    statuses = [client.get("/api/v1/purchase-orders", headers=h).status_code
                for h in [headers_a] * 3 + [second_key_a] * 3]
    assert statuses[-1] == 429, "the company budget is shared by all its keys"
    assert client.get("/api/v1/purchase-orders", headers=headers_b).status_code == 200


@pytest.mark.config(API_RATE_LIMIT_PER_KEY="100 per minute", API_RATE_LIMIT_PER_PARTNER="2 per minute")
def test_staff_override_raises_one_company_limit(client, runner, acme):
    partner, _, headers = acme
    result = runner.invoke(args=["set-rate-limit", str(partner.id), "10 per minute"])
    assert result.exit_code == 0, result.output
    assert [client.get("/api/v1/profile", headers=headers).status_code for _ in range(4)] == [200] * 4
    bad = runner.invoke(args=["set-rate-limit", str(partner.id), "lots"])
    assert bad.exit_code != 0 and "not a rate limit" in bad.output
    assert runner.invoke(args=["set-rate-limit", str(partner.id), "default"]).exit_code == 0
    db.session.expire_all()
    assert partner.api_rate_limit is None


# --- deprecation ----------------------------------------------------------------------------------

def test_deprecated_endpoint_announces_its_sunset():
    legacy = Flask(__name__)

    @legacy.get("/old")
    @deprecated(since=date(2027, 1, 1), sunset=date(2027, 7, 1), link="https://rebar.example/changelog#old")
    def old():
        return {"ok": True}

    response = legacy.test_client().get("/old")
    assert response.headers["Deprecation"] == "@1798761600"
    assert response.headers["Sunset"] == "Thu, 01 Jul 2027 00:00:00 GMT"
    assert response.headers["Link"] == '<https://rebar.example/changelog#old>; rel="deprecation"; type="text/html"'
    with pytest.raises(ValueError):
        deprecated(since=date(2027, 7, 1), sunset=date(2027, 1, 1))


# --- OpenAPI and the reference page ---------------------------------------------------------------

def test_every_api_route_is_in_the_openapi_document(app, client):
    from tests.api_contract import spec_path
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    routes = {(spec_path(rule.rule), method.lower()) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1") for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes == documented


def test_the_contract_check_catches_a_body_that_drifts():
    from tests.api_contract import contract_violations
    assert contract_violations("GET", "/api/v1/profile", 200, "application/json", {"id": 1}) != []
    assert contract_violations("GET", "/api/v1/profile", 418, "application/json", {}) != []
    assert contract_violations("GET", "/api/v1/profile", 401, "application/json", {}) != []


def test_reference_page_lists_every_operation_with_examples(client):
    response = client.get("/developers/api")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for operation in OPERATIONS:
        assert f"{operation.method.upper()} {operation.path}" in html
    assert "curl -sS -X POST" in html and "requests.post(" in html and "Idempotency-Key" in html
    assert "invoices:write" in html and '"Authorization": f"Bearer' not in html  # escaped quotes


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op.scope], ids=lambda op: op.endpoint)
def test_keys_of_a_company_not_approved_do_nothing(client, acme, operation):
    partner, orders, headers = acme
    path = operation.path.format(purchase_order_id=orders[0].id, invoice_id=1)
    for status in (s for s in PartnerStatus if s is not PartnerStatus.APPROVED):
        partner.status = status
        db.session.commit()
        response = client.open(f"/api/v1{path}", method=operation.method.upper(), headers=headers,
                               json={} if operation.is_write else None)
        assert response.status_code == 403, status
        assert response.get_json()["type"].endswith("/partner-not-approved")


def test_an_empty_body_names_every_missing_field_at_once(client, acme):
    _, _, headers = acme
    response = client.post("/api/v1/invoices", json={}, headers=headers)
    assert response.status_code == 422
    fields = {error["field"] for error in response.get_json()["errors"]}
    assert {"purchase_order_id", "invoice_number", "invoice_date", "lines", "attachments"} <= fields
    response = client.post("/api/v1/invoices", json={"purchase_order_id": "2"}, headers=headers)
    assert any("whole number" in e["detail"] for e in response.get_json()["errors"])
