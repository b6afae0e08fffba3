"""Filtered, keyset-paginated queries behind the /api/v1 list endpoints."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select, true

from app.extensions import db
from app.invoices.models import Invoice, InvoiceStatus
from app.purchasing.models import PurchaseOrder

PURCHASE_ORDER_STATES = ["confirmed", "cancelled", "draft"]
INVOICE_STATUSES = [status.value for status in InvoiceStatus]


def purchase_order_page(partner_id: int, *, after_id: int, limit: int, state: str | None,
                        updated_since: datetime | None,
                        only: ColumnElement[bool] | None = None) -> list[PurchaseOrder]:
    """Up to `limit + 1` orders, so the caller can tell whether another page follows.
    `only` narrows further (an API key restricted to some orders or projects)."""
    query = select(PurchaseOrder).where(PurchaseOrder.partner_id == partner_id,
                                        PurchaseOrder.id > after_id, only if only is not None else true())
    if state:
        query = query.where(PurchaseOrder.state == state)
    if updated_since:
        updated_at = func.coalesce(PurchaseOrder.odoo_write_date, PurchaseOrder.synced_at)
        query = query.where(updated_at >= updated_since)
    return list(db.session.scalars(query.order_by(PurchaseOrder.id).limit(limit + 1)))


def invoice_page(partner_id: int, *, after_id: int, limit: int, status: str | None,
                 updated_since: datetime | None,
                 only: ColumnElement[bool] | None = None) -> list[Invoice]:
    query = select(Invoice).where(Invoice.partner_id == partner_id, Invoice.id > after_id,
                                  only if only is not None else true())
    if status:
        query = query.where(Invoice.status == InvoiceStatus(status))
    if updated_since:
        query = query.where(Invoice.status_changed_at >= updated_since)
    return list(db.session.scalars(query.order_by(Invoice.id).limit(limit + 1)))
