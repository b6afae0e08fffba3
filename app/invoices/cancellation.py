"""Withdrawing an invoice that has not left the portal yet."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from app.audit import services as audit
from app.database import utcnow
from app.extensions import db
from app.integration.models import DeliveryState, DeliveryStep, OutboxEvent, StepKind
from app.invoices.models import Invoice, InvoiceStatus
from app.odoo import binder

CANCELLED_BY_PARTNER = "Withdrawn by the partner before it was sent"


class InvoiceNotCancellable(RuntimeError):
    """The invoice has started its way to Odoo (or got there); only the buyer can stop it now."""


def cancel_unsent_invoice(invoice: Invoice, *, actor: Any) -> Invoice:
    """Cancel the invoice if its push to Odoo never started.

    The outbox row is switched with a conditional UPDATE (state still queued, no attempt
    made) so a worker picking it up at the same moment and this cancel cannot both win."""
    if invoice.status is not InvoiceStatus.SUBMITTED or binder.odoo_id_for(
            "invoice", invoice.id, "account.move"):
        raise InvoiceNotCancellable(invoice.id)
    event_ids = list(db.session.scalars(select(OutboxEvent.id).where(
        OutboxEvent.subject_type == "Invoice", OutboxEvent.subject_id == invoice.id)))
    if event_ids:
        switched = db.session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(event_ids), OutboxEvent.state == DeliveryState.QUEUED,
                   OutboxEvent.attempts == 0)
            .values(state=DeliveryState.CANCELLED, last_error=CANCELLED_BY_PARTNER,
                    updated_at=utcnow())
            .execution_options(synchronize_session="fetch"))
        if switched.rowcount != len(event_ids):  # the caller rolls back
            raise InvoiceNotCancellable(invoice.id)
        for event_id in event_ids:
            db.session.add(DeliveryStep(outbox_event_id=event_id, kind=StepKind.CANCELLED,
                                        message=CANCELLED_BY_PARTNER, actor_label="partner"))
    invoice.status = InvoiceStatus.CANCELLED
    invoice.status_reason = CANCELLED_BY_PARTNER
    invoice.status_changed_at = utcnow()
    # Free the number so a corrected invoice can reuse it.
    invoice.number_key = f"~cancelled~{invoice.id}"
    audit.record("invoice.cancelled", actor=actor, partner_id=invoice.partner_id, subject=invoice,
                 number=invoice.number)
    db.session.flush()
    return invoice
