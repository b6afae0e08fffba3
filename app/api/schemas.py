"""JSON shapes of the canonical objects. Money and quantities travel as decimal strings."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.i18n import currency_precision
from app.invoices.models import Invoice
from app.invoices.presenters import Delivery, TimelineEntry
from app.partners.models import Partner
from app.purchasing.models import PurchaseOrder
from app.purchasing.services import LineBalance


def decimal_text(value: Decimal, places: int | None = None) -> str:
    if places is not None:
        return f"{value:.{places}f}"
    normalized = value.normalize()
    return f"{normalized:f}" if normalized == normalized.to_integral() else str(normalized)


def _money(value: Decimal, currency: str) -> str:
    return decimal_text(value, currency_precision(currency))


def _timestamp(value) -> str | None:
    return value.isoformat() if value else None


def purchase_order_summary(order: PurchaseOrder) -> dict[str, Any]:
    return {
        "id": order.id,
        "number": order.number,
        "state": order.state,
        "buyer_company": order.buyer_company_name,
        "project": order.project_name,
        "currency": order.currency_code,
        "vendor_reference": order.vendor_reference,
        "ordered_at": _timestamp(order.ordered_at),
        "amount_untaxed": _money(order.amount_untaxed, order.currency_code),
        "amount_total": _money(order.amount_total, order.currency_code),
        "synced_at": _timestamp(order.synced_at),
        "updated_at": _timestamp(order.odoo_write_date or order.synced_at),
    }


def purchase_order_detail(order: PurchaseOrder, balances: list[LineBalance]) -> dict[str, Any]:
    currency = order.currency_code
    body = purchase_order_summary(order)
    body["lines"] = [{
        "id": b.line.id,
        "description": b.line.description,
        "quantity": decimal_text(b.line.quantity),
        "quantity_received": decimal_text(b.line.quantity_received),
        "quantity_billed": decimal_text(b.line.quantity_billed),
        "quantity_in_flight": decimal_text(b.in_flight_quantity),
        "unit_price": decimal_text(b.line.unit_price),
        "remaining_quantity": decimal_text(b.remaining_quantity),
        "remaining_amount": _money(b.remaining_amount, currency),
    } for b in balances]
    return body


def invoice_detail(invoice: Invoice, delivery: Delivery) -> dict[str, Any]:
    currency = invoice.currency_code
    return {
        "id": invoice.id,
        "reference": invoice.portal_reference,
        "invoice_number": invoice.number,
        "invoice_date": invoice.invoice_date.isoformat(),
        "purchase_order_id": invoice.purchase_order_id,
        "status": invoice.status.value,
        "status_text": delivery.label,
        "currency": currency,
        "amount_untaxed": _money(invoice.amount_untaxed, currency),
        "odoo_bill_reference": invoice.odoo_bill_name,
        "created_at": _timestamp(invoice.created_at),
        "updated_at": _timestamp(invoice.status_changed_at),
        "lines": [{
            "id": line.id,
            "purchase_order_line_id": line.purchase_order_line_id,
            "quantity": decimal_text(line.quantity),
            "unit_price": decimal_text(line.unit_price),
            "amount": _money(line.amount, currency),
        } for line in invoice.lines],
        "attachments": [{"id": f.id, "filename": f.filename, "content_type": f.content_type,
                         "size": f.size, "kind": f.kind.value} for f in invoice.files],
        "sync": {"state": delivery.sync_state, "odoo_bill_id": delivery.odoo_bill_id,
                 "error": delivery.error},
    }


def invoice_timeline(entries: list[TimelineEntry]) -> list[dict[str, Any]]:
    return [{"occurred_at": _timestamp(entry.occurred_at), "text": str(entry.text)}
            for entry in entries]


def partner_profile(partner: Partner) -> dict[str, Any]:
    """The company as Rebar knows it. Bank accounts only ever as their last four digits."""
    account = partner.active_bank_account
    return {
        "id": partner.id,
        "name": partner.name,
        "status": partner.status.value,
        "country": partner.country_code,
        "tax_id": partner.tax_id,
        "address": {"street": partner.street, "street2": partner.street2, "city": partner.city,
                    "region": partner.state_region, "zip": partner.zip_code},
        "trades": list(partner.trades or []),
        "contact_email": partner.contact_email,
        "contact_phone": partner.contact_phone,
        "bank_account": None if account is None else {
            "account_holder": account.account_holder, "bank_name": account.bank_name,
            "country": account.country_code, "number_last4": account.last4},
        "api_rate_limit": partner.api_rate_limit,
        "created_at": _timestamp(partner.created_at),
    }
