"""Outbox handler for test mode (topic sandbox.twin_requested): give a sandbox twin its vendor
in the Odoo sandbox, a few sample confirmed purchase orders, then mirror them.

Only the sandbox Odoo is called (odoo_client_for(twin)). Each step is idempotent: the vendor
is bound (and committed) before the samples are made, samples are recognised by their origin,
so a re-run confirms drafts a crashed run left instead of making more.
"""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.audit import services as audit
from app.extensions import db
from app.integration.errors import PermanentDeliveryError
from app.integration.locks import worker_lock
from app.integration.models import OutboxEvent
from app.integration.odoo_access import odoo_client_for
from app.integration.queue import enqueue_once
from app.odoo import vendors
from app.odoo.client import OdooClient
from app.partners.models import Partner

log = logging.getLogger("rebar.jobs.sandbox")
TWIN_TOPIC = "sandbox.twin_requested"
ACTOR = "odoo-sandbox"
SAMPLE_ORIGIN = "Rebar test mode sample"
PURCHASE_ORDER = "purchase.order"
SAMPLE_LINES = ((10.0, 95.0), (4.0, 250.0), (1.0, 1800.0))  # (quantity, unit price) per sample


def deliver_sandbox_twin(outbox_event: OutboxEvent) -> None:
    twin = db.session.get(Partner, outbox_event.subject_id)
    if twin is None or not twin.is_sandbox:
        raise PermanentDeliveryError("The test-mode company no longer exists.")
    client = odoo_client_for(twin)
    with worker_lock(f"odoo-sandbox-twin:{twin.id}"):
        if twin.odoo_partner_id is None:
            _bind_vendor(twin, _sandbox_vendor(client, twin))
        seed_sample_purchase_orders(client, twin.odoo_partner_id)
    enqueue_once("app.integration.jobs.sync_purchase_orders", twin.id,
                 job_id=f"{current_app.config['RQ_QUEUE']}-po-sync-partner-{twin.id}")


def _sandbox_vendor(client: OdooClient, twin: Partner) -> int:
    """Matched by the real partner's VAT like a live vendor; a partner without one (made by
    `create-partner`) gets a vendor found or made by the twin's name: it is sandbox data."""
    if vendors.normalize_vat(twin.tax_id):
        return vendors.ensure_vendor(client, twin).odoo_id
    found = client.search(vendors.PARTNER, [("name", "=", twin.name), ("parent_id", "=", False)],
                          order="id asc", limit=1)
    if found:
        return found[0]
    return client.create(vendors.PARTNER, vendors.vendor_values(twin, None, None),
                         context=vendors.SUPPLIER_CONTEXT)


def _bind_vendor(twin: Partner, odoo_id: int) -> None:
    twin.odoo_partner_id = odoo_id
    audit.record("sandbox.vendor_linked", actor=ACTOR, partner_id=twin.sandbox_of_id, subject=twin,
                 odoo_partner_id=odoo_id)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise vendors.VendorConflict(f"Sandbox vendor {odoo_id} is already linked to another "
                                     "test-mode company.") from None


def seed_sample_purchase_orders(client: OdooClient, vendor_id: int) -> list[int]:
    """A vendor with no purchase order in the sandbox gets three confirmed samples (service
    products billed on ordered quantities, so they can be invoiced at once)."""
    orders = client.search_read(PURCHASE_ORDER, [("partner_id", "=", vendor_id)], ["state", "origin"],
                                order="id asc")
    samples = [o for o in orders if o["origin"] == SAMPLE_ORIGIN]
    if not orders:
        samples = [{"id": _create_sample(client, vendor_id, index), "state": "draft"}
                   for index in range(len(SAMPLE_LINES))]
    drafts = [o["id"] for o in samples if o["state"] in ("draft", "sent")]
    if drafts:
        client.call(PURCHASE_ORDER, "button_confirm", drafts)
        log.info("confirmed sample purchase orders %s for sandbox vendor %s", drafts, vendor_id)
    return [o["id"] for o in samples]


def _create_sample(client: OdooClient, vendor_id: int, index: int) -> int:
    products = client.search_read("product.product", [("purchase_method", "=", "purchase")],
                                  ["display_name"], order="id asc", limit=len(SAMPLE_LINES))
    if not products:
        raise PermanentDeliveryError("The Odoo sandbox has no service product to put on sample "
                                     "purchase orders.")
    product = products[index % len(products)]
    quantity, price = SAMPLE_LINES[index]
    line = {"product_id": product["id"], "name": product["display_name"], "product_qty": quantity,
            "price_unit": price}
    return client.create(PURCHASE_ORDER, {"partner_id": vendor_id, "origin": SAMPLE_ORIGIN,
                                           "partner_ref": f"TEST-{index + 1}",
                                           "order_line": [(0, 0, line)]})
