"""Importer: mirror a partner's confirmed purchase orders from Odoo, incrementally."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from app.database import utcnow
from app.extensions import db
from app.odoo import mappers
from app.odoo.client import OdooClient
from app.partners.models import Partner
from app.purchasing.models import PurchaseOrder, PurchaseOrderLine, SyncCursor
from app.purchasing.services import purchase_order_cursor_name

log = logging.getLogger("rebar.odoo.purchase_orders")

# Odoo stamps write_date with the transaction's start, not its commit: re-read a margin.
WRITE_DATE_OVERLAP = timedelta(minutes=5)
PAGE_SIZE = 200


@dataclass
class SyncReport:
    purchase_orders: int = 0
    lines: int = 0


def sync_partner(client: OdooClient, partner: Partner, *, full: bool = False) -> SyncReport:
    """Pull POs changed since the partner's cursor (all confirmed ones on the first run)."""
    cursor = db.session.get(SyncCursor, purchase_order_cursor_name(partner.id)) \
        or SyncCursor(name=purchase_order_cursor_name(partner.id))
    db.session.add(cursor)
    started = utcnow()
    since = None if full or cursor.last_write_date is None else cursor.last_write_date - WRITE_DATE_OVERLAP
    report = SyncReport()
    newest = cursor.last_write_date
    for record in _changed_orders(client, partner.odoo_partner_id, since):
        order = _upsert_order(record, partner)
        if order is not None:
            report.purchase_orders += 1
        newest = max(filter(None, (newest, record.write_date)), default=None)
    known = {o.odoo_id: o for o in db.session.scalars(
        select(PurchaseOrder).where(PurchaseOrder.partner_id == partner.id))}
    for line_record in _changed_lines(client, list(known), since):
        _upsert_line(line_record, known[line_record.order_odoo_id])
        report.lines += 1
        newest = max(filter(None, (newest, line_record.write_date)), default=None)
    cursor.last_write_date = newest
    cursor.last_run_at = cursor.last_success_at = started
    cursor.last_error = None
    for order in known.values():
        order.synced_at = started
    return report


def refresh_order_lines(client: OdooClient, purchase_order: PurchaseOrder) -> None:
    """Re-read one PO's lines now (after a bill changed what Odoo counts as billed)."""
    for line_record in _changed_lines(client, [purchase_order.odoo_id], None):
        _upsert_line(line_record, purchase_order)
    purchase_order.synced_at = utcnow()


def import_purchase_order(client: OdooClient, odoo_id: int) -> PurchaseOrder | None:
    """Re-read one PO now (Odoo told us it changed); None if it is not one of our partners'."""
    records = client.search_read("purchase.order", [("id", "=", odoo_id)],
                                 mappers.purchase_order_fields(client.version), limit=1)
    if not records:
        return None
    record = mappers.purchase_order_from_odoo(records[0], client.confirmed_po_states)
    partner = db.session.scalar(select(Partner).where(Partner.odoo_partner_id == record.odoo_partner_id,
                                                      Partner.is_sandbox.is_(client.is_sandbox)))
    order = _upsert_order(record, partner) if partner else None
    if order is not None:
        refresh_order_lines(client, order)
    return order


def _changed_orders(client: OdooClient, odoo_partner_id: int, since):
    domain: list = [("partner_id", "=", odoo_partner_id)]
    if since is None:
        domain.append(("state", "in", list(client.confirmed_po_states)))
    else:
        domain.append(("write_date", ">", mappers.format_odoo_datetime(since)))
    for raw in _paged(client, "purchase.order", domain, mappers.purchase_order_fields(client.version)):
        yield mappers.purchase_order_from_odoo(raw, client.confirmed_po_states)


def _changed_lines(client: OdooClient, order_odoo_ids: list[int], since):
    if not order_odoo_ids:
        return
    tax_field = client.field_name("purchase.order.line", "tax_ids")
    fields = [tax_field if f == "tax_ids" else f for f in mappers.PURCHASE_ORDER_LINE_FIELDS]
    domain: list = [("order_id", "in", order_odoo_ids)]
    if since is not None:
        domain.append(("write_date", ">", mappers.format_odoo_datetime(since)))
    for raw in _paged(client, "purchase.order.line", domain, fields):
        record = mappers.purchase_order_line_from_odoo(raw, tax_field)
        if record is not None:
            yield record


def _paged(client: OdooClient, model: str, domain: list, fields: list[str]):
    offset = 0
    while True:
        page = client.search_read(model, domain, fields, order="write_date asc, id asc",
                                  limit=PAGE_SIZE, offset=offset)
        yield from page
        if len(page) < PAGE_SIZE:
            return
        offset += PAGE_SIZE


def _upsert_order(record: mappers.PurchaseOrderRecord, partner: Partner) -> PurchaseOrder | None:
    order = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.odoo_id == record.odoo_id,
                                                          PurchaseOrder.is_sandbox.is_(partner.is_sandbox)))
    if order is None:
        if record.state != "confirmed":
            return None
        order = PurchaseOrder(odoo_id=record.odoo_id, partner_id=partner.id, is_sandbox=partner.is_sandbox)
        db.session.add(order)
    elif order.partner_id != partner.id:
        log.warning("PO %s moved to another vendor in Odoo; not re-assigned", record.odoo_id)
        return None
    order.number = record.number
    order.state = record.state
    order.buyer_company_odoo_id = record.buyer_company_odoo_id
    order.buyer_company_name = record.buyer_company_name
    order.currency_code = record.currency_code
    order.currency_odoo_id = record.currency_odoo_id
    order.vendor_reference = record.vendor_reference
    order.project_name = record.project_name
    order.ordered_at = record.ordered_at
    order.amount_untaxed = record.amount_untaxed
    order.amount_total = record.amount_total
    order.odoo_write_date = record.write_date
    db.session.flush()
    return order


def _upsert_line(record: mappers.PurchaseOrderLineRecord, order: PurchaseOrder) -> None:
    line = db.session.scalar(select(PurchaseOrderLine).where(
        PurchaseOrderLine.odoo_id == record.odoo_id, PurchaseOrderLine.is_sandbox.is_(order.is_sandbox)))
    if line is None:
        line = PurchaseOrderLine(odoo_id=record.odoo_id, purchase_order=order, is_sandbox=order.is_sandbox)
        db.session.add(line)
    line.sequence = record.sequence
    line.description = record.description
    line.odoo_product_id = record.odoo_product_id
    line.quantity = record.quantity
    line.quantity_received = record.quantity_received
    line.quantity_billed = record.quantity_billed
    line.unit_price = record.unit_price
    line.odoo_tax_ids = list(record.odoo_tax_ids)
    db.session.flush()
