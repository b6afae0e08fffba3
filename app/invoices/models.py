from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import Money, Quantity, UTCDateTime, string_enum, utcnow
from app.extensions import db
from app.partners.models import Partner
from app.purchasing.models import PurchaseOrder, PurchaseOrderLine


class InvoiceStatus(str, enum.Enum):
    """What the partner sees; the delivery state lives on the invoice's outbox event."""

    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    PAID = "paid"
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # withdrawn by the partner before it was sent to Odoo

    @property
    def is_in_flight(self) -> bool:
        """Still counted against a PO line's remaining quantity before Odoo has the bill."""
        return self is InvoiceStatus.SUBMITTED


class Invoice(db.Model):
    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("partner_id", "number_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    number_key: Mapped[str] = mapped_column(String(64))
    invoice_date: Mapped[date]
    currency_code: Mapped[str] = mapped_column(String(3))
    amount_untaxed: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[InvoiceStatus] = mapped_column(string_enum(InvoiceStatus), default=InvoiceStatus.SUBMITTED)
    odoo_bill_name: Mapped[str | None] = mapped_column(String(64))
    odoo_payment_state: Mapped[str | None] = mapped_column(String(32))
    status_reason: Mapped[str | None] = mapped_column(String(500))
    submitted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_by_api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner] = relationship()
    purchase_order: Mapped[PurchaseOrder] = relationship()
    lines: Mapped[list["InvoiceLine"]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.id")
    files: Mapped[list["InvoiceFile"]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceFile.id")

    @property
    def portal_reference(self) -> str:
        return f"RBR-INV-{self.id:06d}"


class InvoiceLine(db.Model):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    purchase_order_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_lines.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    purchase_order_line: Mapped[PurchaseOrderLine] = relationship()


class FileKind(str, enum.Enum):
    INVOICE_PDF = "invoice_pdf"
    SUPPORT = "support"


class InvoiceFile(db.Model):
    __tablename__ = "invoice_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    kind: Mapped[FileKind] = mapped_column(string_enum(FileKind))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    invoice: Mapped[Invoice] = relationship(back_populates="files")
