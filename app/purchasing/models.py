from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import Money, Quantity, UTCDateTime, utcnow
from app.extensions import db
from app.partners.models import Partner


class PurchaseOrder(db.Model):
    """A confirmed Odoo purchase order, mirrored for one partner."""

    __tablename__ = "purchase_orders"
    __table_args__ = (UniqueConstraint("odoo_id", "is_sandbox"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    odoo_id: Mapped[int]
    # Mirrored from the Odoo sandbox (a test-mode twin's PO): Odoo ids are unique per Odoo.
    is_sandbox: Mapped[bool] = mapped_column(default=False, server_default=false())
    number: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32))
    buyer_company_odoo_id: Mapped[int]
    buyer_company_name: Mapped[str] = mapped_column(String(200))
    currency_code: Mapped[str] = mapped_column(String(3))
    currency_odoo_id: Mapped[int]
    vendor_reference: Mapped[str | None] = mapped_column(String(200))
    project_name: Mapped[str | None] = mapped_column(String(200), index=True)
    ordered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    amount_untaxed: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    amount_total: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    odoo_write_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner] = relationship()
    lines: Mapped[list["PurchaseOrderLine"]] = relationship(
        back_populates="purchase_order", order_by="PurchaseOrderLine.sequence",
        cascade="all, delete-orphan")

    @property
    def is_confirmed(self) -> bool:
        return self.state == "confirmed"


class PurchaseOrderLine(db.Model):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (UniqueConstraint("odoo_id", "is_sandbox"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    odoo_id: Mapped[int]
    is_sandbox: Mapped[bool] = mapped_column(default=False, server_default=false())
    sequence: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(String(2000))
    odoo_product_id: Mapped[int | None]
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    quantity_received: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    quantity_billed: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    unit_price: Mapped[Decimal] = mapped_column(Money)
    odoo_tax_ids: Mapped[list[int]] = mapped_column(JSON, default=list)

    purchase_order: Mapped[PurchaseOrder] = relationship(back_populates="lines")


class SyncCursor(db.Model):
    """High-water mark of an incremental pull from Odoo (naive-UTC write_date semantics)."""

    __tablename__ = "sync_cursors"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_write_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(2000))
