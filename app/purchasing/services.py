"""Reading a partner's mirrored purchase orders and what is left to bill on them."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from app.database import is_database_id
from app.extensions import db
from app.i18n import round_money
from app.invoices.models import Invoice, InvoiceLine, InvoiceStatus
from app.purchasing.models import PurchaseOrder, PurchaseOrderLine, SyncCursor


class PurchaseOrderNotFound(LookupError):
    """The PO does not exist *or* belongs to another company: callers answer 404 either way."""


@dataclass(frozen=True)
class LineBalance:
    line: PurchaseOrderLine
    in_flight_quantity: Decimal
    remaining_quantity: Decimal
    remaining_amount: Decimal


def partner_purchase_orders(partner_id: int) -> list[PurchaseOrder]:
    return list(db.session.scalars(
        select(PurchaseOrder).where(PurchaseOrder.partner_id == partner_id)
        .order_by(PurchaseOrder.ordered_at.desc(), PurchaseOrder.id.desc())))


def get_partner_purchase_order(partner_id: int, purchase_order_id: object,
                               *, for_update: bool = False) -> PurchaseOrder:
    if not is_database_id(purchase_order_id):
        raise PurchaseOrderNotFound(purchase_order_id)
    query = select(PurchaseOrder).where(PurchaseOrder.id == purchase_order_id,
                                        PurchaseOrder.partner_id == partner_id)
    if for_update:
        query = query.with_for_update()
    purchase_order = db.session.scalar(query)
    if purchase_order is None:
        raise PurchaseOrderNotFound(purchase_order_id)
    return purchase_order


def in_flight_quantities(purchase_order: PurchaseOrder) -> dict[int, Decimal]:
    """Quantities on portal invoices that Odoo does not count yet, per PO line id."""
    rows = db.session.execute(
        select(InvoiceLine.purchase_order_line_id, func.sum(InvoiceLine.quantity))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(Invoice.purchase_order_id == purchase_order.id,
               Invoice.status == InvoiceStatus.SUBMITTED)
        .group_by(InvoiceLine.purchase_order_line_id))
    totals: dict[int, Decimal] = defaultdict(lambda: Decimal(0))
    for line_id, quantity in rows:
        totals[line_id] = Decimal(str(quantity))
    return totals


def line_balances(purchase_order: PurchaseOrder) -> list[LineBalance]:
    in_flight = in_flight_quantities(purchase_order)
    balances = []
    for line in purchase_order.lines:
        pending = in_flight.get(line.id, Decimal(0))
        remaining = max(line.quantity - line.quantity_billed - pending, Decimal(0))
        balances.append(LineBalance(
            line=line, in_flight_quantity=pending, remaining_quantity=remaining,
            remaining_amount=round_money(remaining * line.unit_price, purchase_order.currency_code)))
    return balances


def last_checked_at(partner_id: int):
    cursor = db.session.get(SyncCursor, purchase_order_cursor_name(partner_id))
    return cursor.last_success_at if cursor else None


def purchase_order_cursor_name(partner_id: int) -> str:
    return f"purchase_orders:partner:{partner_id}"
