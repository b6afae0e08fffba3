"""How Odoo's accounting state of a bill becomes the status the partner sees."""
from __future__ import annotations

from app.audit import services as audit
from app.database import utcnow
from app.invoices.models import Invoice, InvoiceStatus
from app.odoo.mappers import BillStatus

PAID_PAYMENT_STATES = ("paid", "in_payment")


def status_for_bill(bill: BillStatus | None) -> InvoiceStatus:
    if bill is None or bill.state == "cancel":
        return InvoiceStatus.REJECTED
    if bill.payment_state in PAID_PAYMENT_STATES:
        return InvoiceStatus.PAID
    if bill.state == "posted":
        return InvoiceStatus.APPROVED
    return InvoiceStatus.IN_REVIEW


def apply_bill_status(invoice: Invoice, bill: BillStatus | None) -> bool:
    """Update the invoice from its bill; returns True when the partner-visible status changed."""
    if bill is not None:
        invoice.odoo_bill_name = bill.name
        invoice.odoo_payment_state = bill.payment_state
    new_status = status_for_bill(bill)
    if new_status is invoice.status:
        return False
    audit.record("invoice.status_changed", actor="odoo", partner_id=invoice.partner_id,
                 subject=invoice, old=invoice.status.value, new=new_status.value,
                 bill_deleted=bill is None)
    invoice.status = new_status
    invoice.status_changed_at = utcnow()
    return True
