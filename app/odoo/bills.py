"""Exporter: turn a portal invoice into exactly one draft vendor bill in Odoo.

Every step is find-binding → search Odoo → create → bind, so a re-run after any crash
finds what the previous run made instead of making it again.
"""
from __future__ import annotations

import base64
import logging
from contextlib import AbstractContextManager
from typing import Callable

from markupsafe import escape

from app.database import utcnow
from app.extensions import db
from app.invoices.models import Invoice, InvoiceFile, InvoiceStatus
from app.odoo import binder, mappers
from app.odoo.client import OdooClient
from app.odoo.purchase_orders import refresh_order_lines

log = logging.getLogger("rebar.odoo.bills")

BILL = "account.move"
BILL_LINE = "account.move.line"
ATTACHMENT = "ir.attachment"
MESSAGE = "mail.message"


def push_invoice(client: OdooClient, invoice: Invoice, *, lock: AbstractContextManager,
                 correlation_id: str | None) -> int:
    """Create (or find) the bill, attach the files, post the chatter note; returns the bill id."""
    context = {"allowed_company_ids": [invoice.purchase_order.buyer_company_odoo_id]}
    with lock:
        bill_id = binder.odoo_id_for("invoice", invoice.id, BILL) or _find_or_create_bill(
            client, invoice, context)
        for invoice_file in invoice.files:
            if binder.odoo_id_for("invoice_file", invoice_file.id, ATTACHMENT) is None:
                _attach(client, invoice_file, bill_id, context)
        if binder.odoo_id_for("invoice_note", invoice.id, MESSAGE) is None:
            _post_note(client, invoice, bill_id, correlation_id, context)
    _mark_in_review(client, invoice, bill_id)
    return bill_id


def _bill_request(invoice: Invoice) -> mappers.BillRequest:
    order = invoice.purchase_order
    return mappers.BillRequest(
        odoo_partner_id=invoice.partner.odoo_partner_id, vendor_reference=invoice.number,
        invoice_date=invoice.invoice_date, purchase_order_number=order.number,
        currency_odoo_id=order.currency_odoo_id,
        lines=tuple(mappers.BillLine(
            purchase_line_odoo_id=line.purchase_order_line.odoo_id,
            odoo_product_id=line.purchase_order_line.odoo_product_id,
            description=line.purchase_order_line.description, quantity=line.quantity,
            unit_price=line.unit_price, odoo_tax_ids=tuple(line.purchase_order_line.odoo_tax_ids))
            for line in invoice.lines))


class ExportConflict(RuntimeError):
    """Odoo already holds a record under our key that is not the one we would have made."""


def _export_once(client: OdooClient, local: tuple[str, int], model: str, domain: list,
                 create: Callable[[], int], context: dict,
                 is_ours: Callable[[int], bool] = lambda _odoo_id: True) -> int:
    """Search Odoo for what a crashed earlier run may have made; create only if absent; bind."""
    existing = client.search(model, domain, order="id asc", limit=1, context=context)
    if existing:
        if not is_ours(existing[0]):
            raise ExportConflict(f"Odoo already has {model} {existing[0]} under the same key, "
                                 "and it does not match this invoice; accounts payable must resolve it.")
        log.info("%s %s already in Odoo as %s %s; binding it", *local, model, existing[0])
        odoo_id = existing[0]
    else:
        odoo_id = create()
        log.info("created %s %s for %s %s", model, odoo_id, *local)
    binder.bind(local[0], local[1], model, odoo_id, is_sandbox=client.is_sandbox)
    return odoo_id


def _find_or_create_bill(client: OdooClient, invoice: Invoice, context: dict) -> int:
    domain = mappers.existing_bill_domain(invoice.partner.odoo_partner_id, invoice.number,
                                          invoice.purchase_order.buyer_company_odoo_id)
    request = _bill_request(invoice)
    values = mappers.bill_values(request)

    def is_ours(bill_id: int) -> bool:
        """A bill someone keyed in by hand with the same reference is not adopted: only one
        whose PO-linked lines are exactly this invoice's (what a crashed run of ours left)."""
        lines = client.search_read(BILL_LINE, [("move_id", "=", bill_id), ("purchase_line_id", "!=", False)],
                                   ["purchase_line_id", "quantity"], context=context)
        return mappers.bill_lines_match(request, lines)

    return _export_once(client, ("invoice", invoice.id), BILL, domain,
                        lambda: client.create(BILL, values, context=context), context, is_ours)


def _attach(client: OdooClient, invoice_file: InvoiceFile, bill_id: int, context: dict) -> None:
    domain = [("res_model", "=", BILL), ("res_id", "=", bill_id), ("name", "=", invoice_file.filename)]
    values = mappers.attachment_values(invoice_file.filename,
                                       base64.b64encode(invoice_file.content).decode("ascii"),
                                       invoice_file.content_type, bill_id)
    _export_once(client, ("invoice_file", invoice_file.id), ATTACHMENT, domain,
                 lambda: client.create(ATTACHMENT, values, context=context), context)


def _post_note(client: OdooClient, invoice: Invoice, bill_id: int, correlation_id: str | None,
               context: dict) -> None:
    body = (f"<p>Submitted through the Rebar partner portal as {escape(invoice.portal_reference)} "
            f"(invoice {escape(invoice.number)}, {escape(invoice.purchase_order.number)}).</p>"
            f"<p>Correlation id: {escape(correlation_id or '-')}</p>")
    domain = [("model", "=", BILL), ("res_id", "=", bill_id), ("body", "ilike", invoice.portal_reference)]
    attachment_ids = [a for a in (binder.odoo_id_for("invoice_file", f.id, ATTACHMENT)
                                  for f in invoice.files) if a]
    _export_once(client, ("invoice_note", invoice.id), MESSAGE, domain,
                 lambda: client.message_post(BILL, bill_id, body=body, attachment_ids=attachment_ids,
                                             context=context), context)


def _mark_in_review(client: OdooClient, invoice: Invoice, bill_id: int) -> None:
    status = read_bill_statuses(client, [bill_id]).get(bill_id)
    refresh_order_lines(client, invoice.purchase_order)
    if invoice.status is InvoiceStatus.SUBMITTED:
        invoice.status = InvoiceStatus.IN_REVIEW
        invoice.status_changed_at = utcnow()
    if status is not None:
        invoice.odoo_bill_name = status.name
    db.session.flush()


def read_bill_statuses(client: OdooClient, bill_ids: list[int]) -> dict[int, mappers.BillStatus]:
    if not bill_ids:
        return {}
    records = client.read(BILL, bill_ids, list(mappers.BILL_STATUS_FIELDS))
    return {r["id"]: mappers.bill_status_from_odoo(r) for r in records}
