"""OAuth 2.0 client credentials end to end: an owner registers a client in the portal, the
client gets tokens at /oauth/token (Authlib), calls /api/v1 with them, and loses them on
revocation, expiry, client revocation or its creator's deactivation."""
from __future__ import annotations

import base64
import logging
import re
from datetime import date, timedelta

import pytest
import requests
from sqlalchemy import func, select, text, update

from app.auth.models import Role
from app.company import services as company
from app.credentials.models import ApiKey
from app.credentials.services import CredentialError
from app.database import utcnow
from app.extensions import db
from app.invoices.services import InvoiceRequest, LineRequest, submit_invoice
from app.oauth.models import OAuthAccessToken
from app.oauth.services import create_oauth_client
from app.uploads import Upload
from tests.factories import login, make_partner, make_purchase_order, make_user, pdf_bytes
from tests.live import LiveServer

READ_SCOPES = ("invoices:read", "purchase_orders:read")


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def acme(app):
    partner = make_partner()
    make_purchase_order(partner)
    return partner, make_user(partner, email="owner@acme.example")


@pytest.fixture
def portal(client, acme):
    return login(client, acme[1])


@pytest.fixture
def machine(app):
    """The partner's system: no portal session."""
    return app.test_client()


def register(portal, name: str = "ERP production", scopes=READ_SCOPES) -> tuple[str, str]:
    response = portal.post("/oauth-clients", data={"name": name, "scopes": list(scopes)})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    html = response.get_data(as_text=True)
    client_id = re.search(r'id="client-id" type="text" value="([^"]+)"', html).group(1)
    secret = re.search(r'id="client-secret" type="text" value="([^"]+)"', html).group(1)
    return client_id, secret


def get_token(machine, client_id: str, secret: str, **form) -> str:
    response = machine.post("/oauth/token", data={"grant_type": "client_credentials", **form},
                            headers=basic(client_id, secret))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def test_owner_registers_a_client_and_its_tokens_call_the_api(portal, machine, acme):
    client_id, secret = register(portal)
    assert client_id.startswith("rbr_client_")
    listing = portal.get("/oauth-clients").get_data(as_text=True)
    assert "ERP production" in listing and client_id in listing and secret not in listing

    by_basic = machine.post("/oauth/token", data={"grant_type": "client_credentials"},
                            headers=basic(client_id, secret))
    body = by_basic.get_json()
    assert by_basic.status_code == 200 and by_basic.headers["Cache-Control"] == "no-store"
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "invoices:read purchase_orders:read" and body["access_token"].startswith("rbr_at_")

    by_post = machine.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                 "client_secret": secret})
    assert by_post.status_code == 200

    for token in (body["access_token"], by_post.get_json()["access_token"]):
        orders = machine.get("/api/v1/purchase-orders", headers=bearer(token))
        assert orders.status_code == 200
        assert [po["number"] for po in orders.get_json()["data"]] == ["P00013"]
    key = db.session.scalar(select(ApiKey).where(ApiKey.kind == "oauth_client"))
    assert key.partner_id == acme[0].id and key.last_used_at is not None


def test_the_client_secret_is_not_an_api_key(portal, machine):
    client_id, secret = register(portal)
    public_id = client_id.removeprefix("rbr_client_")
    response = machine.get("/api/v1/purchase-orders", headers=bearer(f"rbr_live_{public_id}_{secret}"))
    assert response.status_code == 401


def test_the_scope_parameter_narrows_the_token(portal, machine):
    client_id, secret = register(portal)
    token = get_token(machine, client_id, secret, scope="purchase_orders:read")
    assert machine.get("/api/v1/purchase-orders", headers=bearer(token)).status_code == 200
    refused = machine.get("/api/v1/invoices", headers=bearer(token))
    assert refused.status_code == 403 and "invoices:read" in refused.get_json()["detail"]

    for scope in ("invoices:write", "no-such-scope", "purchase_orders:read invoices:write"):
        response = machine.post("/oauth/token", data={"grant_type": "client_credentials", "scope": scope},
                                headers=basic(client_id, secret))
        assert response.status_code == 400 and response.get_json()["error"] == "invalid_scope", scope


def test_wrong_credentials_are_invalid_client(portal, machine):
    client_id, secret = register(portal)
    wrong = machine.post("/oauth/token", data={"grant_type": "client_credentials"},
                         headers=basic(client_id, secret + "x"))
    assert wrong.status_code == 401 and wrong.get_json()["error"] == "invalid_client"
    assert wrong.headers["WWW-Authenticate"].startswith("Basic")
    wrong_post = machine.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                    "client_secret": "nope"})
    assert wrong_post.status_code == 401 and wrong_post.get_json()["error"] == "invalid_client"
    unknown = machine.post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers=basic("rbr_client_0123456789abcdef", secret))
    assert unknown.status_code == 401 and unknown.get_json()["error"] == "invalid_client"
    for header in ("Basic ////", "Basic é", "Basic", "Bearer x"):
        response = machine.post("/oauth/token", data={"grant_type": "client_credentials"},
                                headers={"Authorization": header})
        assert response.status_code in (400, 401) and response.get_json()["error"] == "invalid_client", header


def test_a_secret_in_the_url_is_refused(portal, machine):
    client_id, secret = register(portal)
    response = machine.post(f"/oauth/token?client_id={client_id}&client_secret={secret}",
                            data={"grant_type": "client_credentials"})
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_request"


def test_unsupported_grants_are_refused(portal, machine):
    client_id, secret = register(portal)
    for form in ({"grant_type": "password", "username": "a", "password": "b"}, {}):
        response = machine.post("/oauth/token", data=form, headers=basic(client_id, secret))
        assert response.status_code == 400 and response.get_json()["error"] == "unsupported_grant_type"
    assert machine.get("/oauth/token").status_code == 405


def test_an_expired_token_is_refused(portal, machine):
    client_id, secret = register(portal)
    token = get_token(machine, client_id, secret)
    db.session.execute(update(OAuthAccessToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = machine.get("/api/v1/purchase-orders", headers=bearer(token))
    assert response.status_code == 401 and response.get_json()["type"].endswith("access-token-expired")


@pytest.mark.config(OAUTH_TOKEN_SECONDS=60)
def test_the_token_lifetime_is_configurable(portal, machine):
    client_id, secret = register(portal)
    response = machine.post("/oauth/token", data={"grant_type": "client_credentials"},
                            headers=basic(client_id, secret))
    assert response.get_json()["expires_in"] == 60


def test_a_revoked_token_is_refused_and_only_its_client_may_revoke_it(portal, machine):
    client_id, secret = register(portal)
    other_id, other_secret = register(portal, name="Other system")
    token = get_token(machine, client_id, secret)

    not_yours = machine.post("/oauth/revoke", data={"token": token}, headers=basic(other_id, other_secret))
    unknown = machine.post("/oauth/revoke", data={"token": "rbr_at_" + "x" * 43}, headers=basic(client_id, secret))
    # another client's token looks exactly like an unknown one, and stays alive
    assert (not_yours.status_code, not_yours.get_json()) == (unknown.status_code, unknown.get_json()) == (200, {})
    assert machine.get("/api/v1/purchase-orders", headers=bearer(token)).status_code == 200
    odd_hint = machine.post("/oauth/revoke", data={"token": "x", "token_type_hint": "bogus"},
                            headers=basic(client_id, secret))
    assert odd_hint.status_code == 200
    no_auth = machine.post("/oauth/revoke", data={"token": token})
    assert no_auth.status_code == 401 and no_auth.get_json()["error"] == "invalid_client"

    revoked = machine.post("/oauth/revoke", data={"token": token, "token_type_hint": "access_token",
                                                  "client_id": client_id, "client_secret": secret})
    assert revoked.status_code == 200
    response = machine.get("/api/v1/purchase-orders", headers=bearer(token))
    assert response.status_code == 401 and response.get_json()["type"].endswith("access-token-revoked")
    assert get_token(machine, client_id, secret)  # the client itself still works


def test_revoking_the_client_kills_its_tokens_and_refuses_new_ones(portal, machine):
    client_id, secret = register(portal)
    token = get_token(machine, client_id, secret)
    client_pk = db.session.scalar(select(ApiKey.id).where(ApiKey.kind == "oauth_client"))
    response = portal.post(f"/oauth-clients/{client_pk}/revoke")
    assert response.status_code == 302
    assert machine.get("/api/v1/purchase-orders", headers=bearer(token)).status_code == 401
    again = machine.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret))
    assert again.status_code == 401 and again.get_json()["error"] == "invalid_client"
    assert db.session.scalar(select(OAuthAccessToken.revoked_at)) is not None
    actions = db.session.execute(text("SELECT action FROM audit_entries")).scalars().all()
    assert "oauth_client.created" in actions and "oauth_client.revoked" in actions
    assert "Revoked" in portal.get("/oauth-clients").get_data(as_text=True)


def test_deactivating_the_creator_kills_the_clients_tokens(portal, machine, acme):
    partner, owner = acme
    client_id, secret = register(portal)
    token = get_token(machine, client_id, secret)
    other_owner = make_user(partner, email="second-owner@acme.example")
    company.deactivate(other_owner, owner)
    db.session.commit()
    assert machine.get("/api/v1/purchase-orders", headers=bearer(token)).status_code == 401
    again = machine.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret))
    assert again.status_code == 401


def test_a_demoted_creator_trims_what_the_client_may_ask_for(portal, machine, acme):
    client_id, secret = register(portal, scopes=("invoices:read", "invoices:write"))
    acme[1].role = Role.PARTNER_VIEWER
    db.session.commit()
    body = machine.post("/oauth/token", data={"grant_type": "client_credentials"},
                        headers=basic(client_id, secret)).get_json()
    assert body["scope"] == "invoices:read"


def test_a_token_never_reaches_another_companys_records(portal, machine):
    other = make_partner("Brightline Electrical Inc.", 46)
    order_b = make_purchase_order(other, odoo_id=14, number="P00014", lines=((40, "Wiring", "10", "0", "50"),))
    user_b = make_user(other, email="b@brightline.example")
    invoice_b = submit_invoice(other.id, InvoiceRequest(order_b.id, "B-1", "2026-12-01",
                                                        [LineRequest(order_b.lines[0].id, "1")],
                                                        Upload("b.pdf", pdf_bytes())),
                               actor=user_b, today=date(2026, 12, 3))
    db.session.commit()
    token = get_token(machine, *register(portal))
    assert machine.get(f"/api/v1/invoices/{invoice_b.id}", headers=bearer(token)).status_code == 404
    assert machine.get(f"/api/v1/purchase-orders/{order_b.id}", headers=bearer(token)).status_code == 404
    assert machine.get("/api/v1/invoices", headers=bearer(token)).get_json()["data"] == []


def test_secrets_and_tokens_are_never_logged_nor_stored_in_plaintext(portal, machine, caplog):
    caplog.set_level(logging.DEBUG)
    client_id, secret = register(portal)
    token = get_token(machine, client_id, secret)
    machine.get("/api/v1/purchase-orders", headers=bearer(token))
    machine.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret + "x"))
    machine.post("/oauth/revoke", data={"token": token}, headers=basic(client_id, secret))
    machine.get("/api/v1/purchase-orders", headers=bearer(token))
    assert caplog.records, "the flow should have logged something at DEBUG"
    logged = caplog.text + repr([record.args for record in caplog.records])
    assert secret not in logged and token not in logged
    for table in ("api_keys", "oauth_access_tokens", "audit_entries"):
        rows = repr(db.session.execute(text(f"SELECT * FROM {table}")).all())
        assert secret not in rows and token not in rows, table


def test_only_owners_manage_clients_and_only_within_their_role(app, client, acme):
    partner, _ = acme
    billing = make_user(partner, email="billing@acme.example", role=Role.PARTNER_BILLING)
    login(client, billing)
    assert client.get("/oauth-clients").status_code == 403
    assert client.post("/oauth-clients", data={"name": "x", "scopes": ["invoices:read"]}).status_code == 403
    viewer = make_user(partner, email="viewer@acme.example", role=Role.PARTNER_VIEWER)
    with pytest.raises(CredentialError):
        create_oauth_client(viewer, "sneaky", ["invoices:write"])


def test_the_registration_form_explains_its_errors(portal):
    response = portal.post("/oauth-clients", data={"name": "", "scopes": ["root"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Name the client" in html and "not a valid choice" in html
    assert db.session.scalar(select(ApiKey.id)) is None
    assert "Choose at least one scope" in portal.post("/oauth-clients", data={"name": "x"}).get_data(as_text=True)
    escaped = portal.post("/oauth-clients", data={"name": "<script>x</script>", "scopes": ["invoices:read"]})
    assert "<script>x</script>" not in escaped.get_data(as_text=True)


def test_the_documented_python_example_works_over_real_http_with_csrf_on(app, acme):
    """The machine endpoints are exempt from CSRF (they carry no session); the owner pages are not."""
    _, owner = acme
    client, secret = create_oauth_client(owner, "ERP", list(READ_SCOPES))
    db.session.commit()
    client_id = f"rbr_client_{client.public_id}"
    server = LiveServer(dict(app.config))
    try:
        token = requests.post(f"{server.url}/oauth/token", auth=(client_id, secret), timeout=10,
                              data={"grant_type": "client_credentials", "scope": "purchase_orders:read"})
        token.raise_for_status()
        access_token = token.json()["access_token"]
        orders = requests.get(f"{server.url}/api/v1/purchase-orders", timeout=10,
                              headers={"Authorization": f"Bearer {access_token}"})
        assert orders.status_code == 200 and orders.json()["data"][0]["number"] == "P00013"
        revoked = requests.post(f"{server.url}/oauth/revoke", auth=(client_id, secret), timeout=10,
                                data={"token": access_token})
        assert revoked.status_code == 200
        assert requests.get(f"{server.url}/api/v1/purchase-orders", timeout=10,
                            headers={"Authorization": f"Bearer {access_token}"}).status_code == 401
        assert requests.post(f"{server.url}/oauth-clients", data={"name": "x"}, timeout=10).status_code == 400
    finally:
        server.stop()


@pytest.mark.config(OAUTH_TOKEN_RATE_LIMIT="2 per minute")
def test_the_token_endpoint_is_rate_limited_with_a_json_answer(portal, machine):
    client_id, secret = register(portal)
    for _ in range(2):
        get_token(machine, client_id, secret)
    response = machine.post("/oauth/token", data={"grant_type": "client_credentials"},
                            headers=basic(client_id, secret))
    assert response.status_code == 429 and response.get_json()["error"] == "too_many_requests"
    assert int(response.headers["Retry-After"]) > 0


def test_tokens_expired_for_a_day_are_cleared_when_the_client_gets_a_new_one(portal, machine):
    client_id, secret = register(portal)
    get_token(machine, client_id, secret)
    db.session.execute(update(OAuthAccessToken).values(expires_at=utcnow() - timedelta(days=2)))
    db.session.commit()
    fresh = get_token(machine, client_id, secret)
    assert db.session.scalar(select(func.count()).select_from(OAuthAccessToken)) == 1
    assert machine.get("/api/v1/purchase-orders", headers=bearer(fresh)).status_code == 200


def test_staff_see_and_revoke_oauth_clients_with_the_keys(app, portal):
    client_id, secret = register(portal, name="Nightly ERP sync")
    token = get_token(app.test_client(), client_id, secret)
    staff = login(app.test_client(), make_user(None, email="staff@rebar.example", role=Role.STAFF_ADMIN))
    page = staff.get("/staff/api-keys").get_data(as_text=True)
    assert "Nightly ERP sync" in page and client_id in page and "OAuth client" in page
    row = db.session.scalar(select(ApiKey).where(ApiKey.kind == "oauth_client"))
    assert staff.post(f"/staff/api-keys/{row.id}/revoke").status_code == 302
    response = app.test_client().get("/api/v1/purchase-orders", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


@pytest.mark.config(MAX_CONTENT_LENGTH=1024)
def test_http_errors_on_the_token_endpoint_are_oauth_json_not_html(app, machine):
    for response in (machine.get("/oauth/token"), machine.get("/oauth/revoke"),
                     machine.post("/oauth/token", data={"grant_type": "client_credentials", "pad": "x" * 4096})):
        assert response.status_code in (405, 413) and response.mimetype == "application/json"
        assert response.get_json()["error"] == "invalid_request"
