"""What an invoice's status means in words, for pages and the API alike."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.i18n import human_date, possessive
from app.integration.models import DeliveryState, DeliveryStep, OutboxEvent, StepKind
from app.invoices.models import Invoice, InvoiceStatus
from app.odoo import binder


@dataclass(frozen=True)
class Delivery:
    """The invoice's journey to Odoo: the sync state and what the partner is told."""

    sync_state: str
    event_id: int | None
    odoo_bill_id: int | None
    error: str | None
    label: str
    tone: str
    detail: str


def _latest_event(invoice: Invoice) -> OutboxEvent | None:
    return db.session.scalar(select(OutboxEvent).where(
        OutboxEvent.subject_type == "Invoice", OutboxEvent.subject_id == invoice.id)
        .order_by(OutboxEvent.id.desc()).limit(1))


def delivery_for(invoice: Invoice) -> Delivery:
    outbox_event = _latest_event(invoice)
    sync_state = outbox_event.state if outbox_event else DeliveryState.QUEUED
    bill_id = binder.odoo_id_for("invoice", invoice.id, "account.move")
    error = outbox_event.last_error if outbox_event and sync_state is DeliveryState.FAILED else None
    label, tone, detail = _words(invoice, sync_state, bill_id)
    return Delivery(sync_state=sync_state.value,
                    event_id=outbox_event.id if outbox_event else None, odoo_bill_id=bill_id, error=error,
                    label=label, tone=tone, detail=detail)


def bill_reference(invoice: Invoice, bill_id: int | None) -> str:
    if invoice.odoo_bill_name:
        return invoice.odoo_bill_name
    return _("draft bill #%(id)s", id=bill_id) if bill_id else ""


def _words(invoice: Invoice, sync_state: DeliveryState, bill_id: int | None) -> tuple[str, str, str]:
    buyer = invoice.purchase_order.buyer_company_name
    if invoice.status is InvoiceStatus.SUBMITTED:
        if sync_state is DeliveryState.FAILED:
            return (_("Needs attention"), "danger",
                    _("%(buyers)s accounting system did not accept this invoice yet. It is on the "
                      "list their accounts payable team works through; they will send it again or "
                      "contact you.", buyers=possessive(buyer)))
        if sync_state is DeliveryState.RETRYING:
            return (_("Submitted"), "info",
                    _("%(buyers)s accounting system is not answering right now. Your invoice is "
                      "saved and will be sent automatically.", buyers=possessive(buyer)))
        return _("Submitted"), "info", _("Sending to %(buyers)s accounting system…", buyers=possessive(buyer))
    reference = bill_reference(invoice, bill_id)
    if invoice.status is InvoiceStatus.IN_REVIEW:
        return (_("In review at %(buyer)s", buyer=buyer), "info",
                _("Accounts payable will review it. This page shows when it is approved and paid."))
    if invoice.status is InvoiceStatus.APPROVED:
        return (_("Approved"), "success",
                _("Approved as %(ref)s on %(date)s; payment follows your terms.",
                  ref=reference, date=human_date(invoice.status_changed_at.date())))
    if invoice.status is InvoiceStatus.PAID:
        return (_("Paid %(date)s", date=human_date(invoice.status_changed_at.date())), "success",
                _("%(buyer)s has paid %(ref)s.", buyer=buyer, ref=reference))
    if invoice.status is InvoiceStatus.CANCELLED:
        return (_("Withdrawn"), "muted",
                _("You withdrew this invoice before it was sent; %(buyer)s never received it.",
                  buyer=buyer))
    if invoice.status_reason:
        return (_("Rejected"), "danger",
                _("%(buyer)s rejected this invoice: %(reason)s. Submit a corrected invoice with a "
                  "new number.", buyer=buyer, reason=invoice.status_reason))
    return (_("Rejected"), "danger",
            _("%(buyer)s cancelled %(ref)s. Contact their accounts payable team, then submit a "
              "corrected invoice with a new number.", buyer=buyer, ref=reference or _("the bill")))


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: object
    text: str


def partner_timeline(invoice: Invoice) -> list[TimelineEntry]:
    """The invoice's journey in plain words; the technical steps stay on the staff console."""
    buyer = invoice.purchase_order.buyer_company_name
    words = {
        StepKind.QUEUED: _("Submitted through the API") if invoice.submitted_by_api_key_id
        else _("Submitted through the portal"),
        StepKind.RETRYING: _("%(buyers)s accounting system did not answer; trying again", buyers=possessive(buyer)),
        StepKind.WAITING_FOR_ODOO: _("%(buyers)s accounting system is unreachable; your invoice "
                                     "waits and will be sent automatically", buyers=possessive(buyer)),
        StepKind.SYNCED: _("Sent to %(buyers)s accounting", buyers=possessive(buyer)),
        StepKind.FAILED: _("Not accepted by %(buyers)s accounting system; flagged for their "
                           "accounts payable team", buyers=possessive(buyer)),
        StepKind.REQUEUED: _("Sent again by %(buyer)s", buyer=buyer),
        StepKind.CANCELLED: _("Rejected by %(buyer)s", buyer=buyer),
    }
    steps = db.session.scalars(select(DeliveryStep).join(OutboxEvent).where(
        OutboxEvent.subject_type == "Invoice", OutboxEvent.subject_id == invoice.id)
        .order_by(DeliveryStep.id)).all()
    entries, previous = [], None
    for step in steps:
        text = words.get(step.kind)
        if step.kind is StepKind.CANCELLED and step.actor_label == "partner":
            text = _("Withdrawn by you before it was sent")
        if text and text != previous:
            entries.append(TimelineEntry(step.occurred_at, text))
        previous = text or previous
    return entries
