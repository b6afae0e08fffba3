"""Walks the URL map: every route that takes a record id answers 404 when partner A asks for
partner B's record (API and browser alike), and staff-only routes refuse partners. A new route
with an id fails `test_every_id_route_has_an_isolation_case` until a case is added here."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

import pytest
from werkzeug.routing import IntegerConverter

from app.extensions import db
from app.invoices.services import InvoiceRequest, LineRequest, submit_invoice
from app.uploads import Upload
from tests.factories import login, make_api_key, make_partner, make_purchase_order, make_user, pdf_bytes
from tests.federation.helpers import make_partner_domain

ALL_SCOPES = ("purchase_orders:read", "invoices:read", "invoices:write")


@dataclass
class World:
    """Partner A (the caller) and partner B's records that A must never reach."""
    user_a: Any
    key_a: str
    b: dict[str, Any]


# endpoint → the URL values naming one of partner B's records
OTHER_COMPANY_CASES: dict[str, Callable[[World], dict[str, Any]]] = {
    "purchasing.show_purchase_order": lambda w: {"purchase_order_id": w.b["order"].id},
    "invoices.show_invoice": lambda w: {"invoice_id": w.b["invoice"].id},
    "invoices.download_file": lambda w: {"invoice_id": w.b["invoice"].id,
                                         "file_id": w.b["invoice"].files[0].id},
    "api.get_purchase_order": lambda w: {"purchase_order_id": w.b["order"].id},
    "api.get_invoice": lambda w: {"invoice_id": w.b["invoice"].id},
    "api.cancel_invoice": lambda w: {"invoice_id": w.b["invoice"].id},
    "company.change_role": lambda w: {"user_id": w.b["user"].id},
    "company.deactivate_member": lambda w: {"user_id": w.b["user"].id},
    "company.reactivate_member": lambda w: {"user_id": w.b["user"].id},
    "company.resend_invitation": lambda w: {"invitation_id": _invitation_of(w.b["user"]).id},
    "company.revoke_invitation": lambda w: {"invitation_id": _invitation_of(w.b["user"]).id},
    "federation.check_domain_dns": lambda w: {"domain_id": make_partner_domain(w.b["partner"]).id},
    "federation.email_domain_link": lambda w: {"domain_id": make_partner_domain(w.b["partner"]).id},
    "federation.remove_domain": lambda w: {"domain_id": make_partner_domain(w.b["partner"]).id},
    "onboarding.download_own_document": lambda w: {"document_id": _document_of(w.b["partner"]).id},
    "credentials.show_key": lambda w: {"key_id": _api_key_of(w.b["partner"]).id},
    "credentials.rotate_key": lambda w: {"key_id": _api_key_of(w.b["partner"]).id},
    "credentials.revoke_key": lambda w: {"key_id": _api_key_of(w.b["partner"]).id},
    "oauth.revoke_client": lambda w: {"client_pk": _oauth_client_of(w.b["user"]).id},
    "usage.key_usage": lambda w: {"key_id": _usage_api_key_of(w.b["partner"]).id},
}

# staff-only routes with ids: any staff member may open any company's record; partners get 403
STAFF_ONLY_CASES: dict[str, Callable[[World], dict[str, Any]]] = {
    "staff.show_event": lambda w: {"event_id": 1},
    "staff.retry_event": lambda w: {"event_id": 1},
    "staff.cancel_event": lambda w: {"event_id": 1},
    "onboarding.staff_application": lambda w: {"partner_id": w.b["partner"].id},
    "onboarding.staff_download_document": lambda w: {"partner_id": w.b["partner"].id,
                                                     "document_id": _document_of(w.b["partner"]).id},
    "onboarding.staff_approve": lambda w: {"partner_id": w.b["partner"].id},
    "onboarding.staff_reject": lambda w: {"partner_id": w.b["partner"].id},
    "onboarding.staff_request_changes": lambda w: {"partner_id": w.b["partner"].id},
    "onboarding.staff_approve_bank_change": lambda w: {"account_id": 1},
    "onboarding.staff_reject_bank_change": lambda w: {"account_id": 1},
    "credentials.staff_revoke_key": lambda w: {"key_id": _api_key_of(w.b["partner"]).id},
    "usage.staff_key_usage": lambda w: {"key_id": _usage_api_key_of(w.b["partner"]).id},
}


def _document_of(partner) -> Any:
    from app.onboarding.models import DocumentKind, OnboardingDocument

    document = OnboardingDocument(partner_id=partner.id, kind=DocumentKind.TAX_FORM, filename="w9.pdf",
                                  content_type="application/pdf", size=3, sha256="0" * 64, content=b"pdf")
    db.session.add(document)
    db.session.commit()
    return document


def _usage_api_key_of(partner) -> Any:
    from app.credentials.models import ApiKey

    secret = make_api_key(partner, ("profile:read",))
    return db.session.scalar(db.select(ApiKey).where(ApiKey.public_id == secret.split("_")[2]))


def _oauth_client_of(user) -> Any:
    from app.oauth.services import create_oauth_client

    client, _secret = create_oauth_client(user, "Brightline ERP", ["invoices:read"])
    db.session.commit()
    return client


def _api_key_of(partner) -> Any:
    from app.credentials.services import create_api_key

    key, _secret = create_api_key(partner.id, ["invoices:read"], name="B's key")
    db.session.commit()
    return key


def _invitation_of(user) -> Any:
    from app.company.invitations import find_open_invitation, invite
    from app.auth.models import Role

    invitation = find_open_invitation("invitee@brightline.example")
    if invitation is None:
        invitation = invite(user, "invitee@brightline.example", Role.PARTNER_VIEWER)
        db.session.commit()
    return invitation


def _id_rules(app):
    for rule in app.url_map.iter_rules():
        if any(isinstance(conv, IntegerConverter) for conv in rule._converters.values()):
            yield rule


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


@pytest.fixture
def world(app) -> World:
    a = make_partner("Acme Concrete LLC", 45)
    b = make_partner("Brightline Electrical Inc.", 46)
    order_b = make_purchase_order(b, odoo_id=14, number="P00014", lines=((40, "Wiring", "10", "0", "50"),))
    user_b = make_user(b, email="b@brightline.example")
    invoice_b = submit_invoice(b.id, InvoiceRequest(order_b.id, "B-1", "2026-12-01",
                                                    [LineRequest(order_b.lines[0].id, "1")],
                                                    Upload("b.pdf", pdf_bytes())),
                               actor=user_b, today=date(2026, 12, 3))
    db.session.commit()
    return World(user_a=make_user(a, email="a@acme.example"), key_a=make_api_key(a, ALL_SCOPES),
                 b={"partner": b, "user": user_b, "order": order_b, "invoice": invoice_b})


def test_every_id_route_has_an_isolation_case(app):
    uncovered = [rule.endpoint for rule in _id_rules(app)
                 if rule.endpoint not in OTHER_COMPANY_CASES and rule.endpoint not in STAFF_ONLY_CASES]
    assert uncovered == [], "add these routes to the isolation cases"


def test_other_companies_ids_are_not_found(app, client, world):
    login(client, world.user_a)
    api_headers = {"Authorization": f"Bearer {world.key_a}"}
    checked = 0
    for rule in _id_rules(app):
        case = OTHER_COMPANY_CASES.get(rule.endpoint)
        if case is None:
            continue
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **case(world))
        for method in _methods(rule):
            headers = api_headers if rule.endpoint.startswith("api.") else {}
            response = client.open(url, method=method, headers=headers)
            assert response.status_code == 404, f"{method} {url} ({rule.endpoint}) → {response.status_code}"
            checked += 1
    assert checked >= len(OTHER_COMPANY_CASES)


def test_staff_only_routes_refuse_partners(app, client, world):
    login(client, world.user_a)
    for endpoint, case in STAFF_ONLY_CASES.items():
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        with app.test_request_context():
            url = app.url_for(endpoint, **case(world))
        for method in _methods(rule):
            assert client.open(url, method=method).status_code == 403, f"{method} {url}"
