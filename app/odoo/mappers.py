"""Pure translation between Odoo records and Rebar's canonical objects.

Odoo's field names stop here: nothing above the connector sees them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

ODOO_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"

PURCHASE_ORDER_FIELDS = ("name", "state", "partner_id", "company_id", "currency_id", "date_order",
                         "amount_untaxed", "amount_total", "partner_ref", "write_date")
PO_PROJECT_FIELD_SINCE = (18, 0)  # purchase.order.project_id (module project_purchase)


def purchase_order_fields(version: tuple[int, int]) -> list[str]:
    """Before 18.0 a PO has no project field (16/17 link projects through analytic lines)."""
    extra = ["project_id"] if version >= PO_PROJECT_FIELD_SINCE else []
    return list(PURCHASE_ORDER_FIELDS) + extra
PURCHASE_ORDER_LINE_FIELDS = ("order_id", "sequence", "name", "product_id", "product_qty",
                              "qty_received", "qty_invoiced", "price_unit", "tax_ids",
                              "display_type", "write_date")
BILL_STATUS_FIELDS = ("name", "state", "payment_state", "ref")


@dataclass(frozen=True)
class PurchaseOrderRecord:
    odoo_id: int
    number: str
    state: str
    odoo_partner_id: int
    buyer_company_odoo_id: int
    buyer_company_name: str
    currency_odoo_id: int
    currency_code: str
    vendor_reference: str | None
    project_name: str | None
    ordered_at: datetime | None
    amount_untaxed: Decimal
    amount_total: Decimal
    write_date: datetime | None


@dataclass(frozen=True)
class PurchaseOrderLineRecord:
    odoo_id: int
    order_odoo_id: int
    sequence: int
    description: str
    odoo_product_id: int | None
    quantity: Decimal
    quantity_received: Decimal
    quantity_billed: Decimal
    unit_price: Decimal
    odoo_tax_ids: tuple[int, ...]
    write_date: datetime | None


@dataclass(frozen=True)
class BillLine:
    purchase_line_odoo_id: int
    odoo_product_id: int | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    odoo_tax_ids: tuple[int, ...]


@dataclass(frozen=True)
class BillRequest:
    odoo_partner_id: int
    vendor_reference: str
    invoice_date: date
    purchase_order_number: str
    currency_odoo_id: int
    lines: tuple[BillLine, ...]


@dataclass(frozen=True)
class BillStatus:
    odoo_id: int
    name: str | None
    state: str
    payment_state: str | None


def canonical_po_state(odoo_state: str, confirmed_states: tuple[str, ...]) -> str:
    if odoo_state in confirmed_states:
        return "confirmed"
    if odoo_state == "cancel":
        return "cancelled"
    return "draft"


def parse_odoo_datetime(value: Any) -> datetime | None:
    """Odoo datetimes are naive UTC strings."""
    if not value:
        return None
    return datetime.strptime(value, ODOO_DATETIME_FORMAT).replace(tzinfo=timezone.utc)


def format_odoo_datetime(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime(ODOO_DATETIME_FORMAT)


def _many2one(value: Any) -> tuple[int | None, str]:
    if isinstance(value, (list, tuple)) and value:
        return int(value[0]), str(value[1]) if len(value) > 1 else ""
    return None, ""


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def purchase_order_from_odoo(record: dict[str, Any], confirmed_states: tuple[str, ...]) -> PurchaseOrderRecord:
    partner_id, _ = _many2one(record["partner_id"])
    company_id, company_name = _many2one(record["company_id"])
    currency_id, currency_code = _many2one(record["currency_id"])
    return PurchaseOrderRecord(
        odoo_id=record["id"], number=record["name"],
        state=canonical_po_state(record["state"], confirmed_states),
        odoo_partner_id=partner_id, buyer_company_odoo_id=company_id,
        buyer_company_name=company_name, currency_odoo_id=currency_id,
        currency_code=currency_code[:3].upper(),
        vendor_reference=record.get("partner_ref") or None,
        project_name=_many2one(record.get("project_id"))[1] or None,
        ordered_at=parse_odoo_datetime(record.get("date_order")),
        amount_untaxed=_decimal(record.get("amount_untaxed")),
        amount_total=_decimal(record.get("amount_total")),
        write_date=parse_odoo_datetime(record.get("write_date")))


def purchase_order_line_from_odoo(record: dict[str, Any], tax_field: str) -> PurchaseOrderLineRecord | None:
    """None for section and note lines, which carry nothing to bill."""
    if record.get("display_type") in ("line_section", "line_note", "line_subsection"):
        return None
    order_id, _ = _many2one(record["order_id"])
    product_id, _ = _many2one(record.get("product_id"))
    return PurchaseOrderLineRecord(
        odoo_id=record["id"], order_odoo_id=order_id, sequence=int(record.get("sequence") or 0),
        description=(record.get("name") or "").strip(), odoo_product_id=product_id,
        quantity=_decimal(record.get("product_qty")),
        quantity_received=_decimal(record.get("qty_received")),
        quantity_billed=_decimal(record.get("qty_invoiced")),
        unit_price=_decimal(record.get("price_unit")),
        odoo_tax_ids=tuple(record.get(tax_field) or ()),
        write_date=parse_odoo_datetime(record.get("write_date")))


def bill_values(bill: BillRequest) -> dict[str, Any]:
    """Values for account.move create: a draft vendor bill linked line by line to the PO."""
    return {
        "move_type": "in_invoice",
        "partner_id": bill.odoo_partner_id,
        "ref": bill.vendor_reference,
        "invoice_date": bill.invoice_date.isoformat(),
        "invoice_origin": bill.purchase_order_number,
        "currency_id": bill.currency_odoo_id,
        "invoice_line_ids": [(0, 0, _bill_line_values(line)) for line in bill.lines],
    }


def _bill_line_values(line: BillLine) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": line.description,
        "quantity": float(line.quantity),
        "price_unit": float(line.unit_price),
        "purchase_line_id": line.purchase_line_odoo_id,
        "tax_ids": [(6, 0, list(line.odoo_tax_ids))],
    }
    if line.odoo_product_id:
        values["product_id"] = line.odoo_product_id
    return values


def bill_lines_match(bill: BillRequest, odoo_lines: list[dict[str, Any]]) -> bool:
    """Whether a bill's PO-linked lines (as read from Odoo) are exactly the requested ones."""
    wanted = sorted((line.purchase_line_odoo_id, round(float(line.quantity), 4)) for line in bill.lines)
    found = sorted((_many2one(line["purchase_line_id"])[0], round(float(line["quantity"]), 4))
                   for line in odoo_lines)
    return wanted == found


def existing_bill_domain(odoo_partner_id: int, vendor_reference: str, company_odoo_id: int) -> list:
    return [("move_type", "=", "in_invoice"), ("partner_id", "=", odoo_partner_id),
            ("ref", "=", vendor_reference), ("state", "!=", "cancel"),
            ("company_id", "=", company_odoo_id)]


def bill_status_from_odoo(record: dict[str, Any]) -> BillStatus:
    return BillStatus(odoo_id=record["id"], name=record.get("name") or None,
                      state=record["state"], payment_state=record.get("payment_state") or None)


def attachment_values(filename: str, content_base64: str, mimetype: str, bill_id: int) -> dict[str, Any]:
    return {"name": filename, "datas": content_base64, "mimetype": mimetype,
            "res_model": "account.move", "res_id": bill_id}
