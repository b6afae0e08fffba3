"""The sync console: what is on its way to Odoo, what failed, and what staff do about it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select

from app.audit import services as audit
from app.database import is_database_id, utcnow
from app.extensions import db
from app.integration import outbox
from app.integration.models import DeliveryState, DeliveryStep, OutboxEvent, StepKind
from app.integration.queue import get_queue
from app.invoices.models import Invoice, InvoiceStatus
from app.purchasing.models import PurchaseOrder

MAX_ROWS = 500


@dataclass(frozen=True)
class SyncFilters:
    state: DeliveryState | None = None
    partner_id: int | None = None
    project: str | None = None
    older_than_minutes: int | None = None

    @classmethod
    def from_args(cls, args) -> "SyncFilters":
        """Unknown or malformed filter values are ignored rather than refused."""
        state = args.get("state")
        partner = args.get("partner", type=int)
        older = args.get("older_than", type=int)
        project = (args.get("project") or "").strip()[:200]
        return cls(state=DeliveryState(state) if state in {s.value for s in DeliveryState} else None,
                   partner_id=partner if is_database_id(partner) else None,
                   project=project or None,
                   older_than_minutes=older if older and 0 < older < 100_000 else None)


@dataclass(frozen=True)
class SyncStats:
    waiting: int
    queue_depth: int | None
    oldest_waiting_since: datetime | None
    failures_last_hour: int
    failed: int


def _filtered(filters: SyncFilters) -> Select:
    query = select(OutboxEvent)
    if filters.state:
        query = query.where(OutboxEvent.state == filters.state)
    if filters.partner_id:
        query = query.where(OutboxEvent.partner_id == filters.partner_id)
    if filters.project:
        query = query.join(Invoice, (OutboxEvent.subject_type == "Invoice") & (Invoice.id == OutboxEvent.subject_id)) \
            .join(PurchaseOrder, PurchaseOrder.id == Invoice.purchase_order_id) \
            .where(PurchaseOrder.project_name == filters.project)
    if filters.older_than_minutes:
        query = query.where(OutboxEvent.created_at < utcnow() - timedelta(minutes=filters.older_than_minutes))
    return query


def list_events(filters: SyncFilters) -> list[OutboxEvent]:
    return list(db.session.scalars(_filtered(filters).order_by(OutboxEvent.id.desc()).limit(MAX_ROWS)))


def project_names() -> list[str]:
    return list(db.session.scalars(select(PurchaseOrder.project_name).distinct()
                                   .where(PurchaseOrder.project_name.is_not(None))
                                   .order_by(PurchaseOrder.project_name)))


def sync_stats() -> SyncStats:
    open_states = [s for s in DeliveryState if s.is_open]
    try:
        depth = get_queue().count
    except Exception:  # Redis down: the console still works from the database
        depth = None
    return SyncStats(
        waiting=db.session.scalar(select(func.count()).select_from(OutboxEvent)
                                  .where(OutboxEvent.state.in_(open_states))),
        queue_depth=depth,
        oldest_waiting_since=db.session.scalar(select(func.min(OutboxEvent.created_at))
                                               .where(OutboxEvent.state.in_(open_states))),
        failures_last_hour=db.session.scalar(select(func.count()).select_from(DeliveryStep).where(
            DeliveryStep.kind.in_([StepKind.FAILED, StepKind.RETRYING, StepKind.WAITING_FOR_ODOO]),
            DeliveryStep.occurred_at >= utcnow() - timedelta(hours=1))),
        failed=db.session.scalar(select(func.count()).select_from(OutboxEvent)
                                 .where(OutboxEvent.state == DeliveryState.FAILED)))


def retry(outbox_event: OutboxEvent, actor) -> None:
    outbox.requeue(outbox_event, actor_label=actor.email)
    audit.record("outbox.retried", actor=actor, partner_id=outbox_event.partner_id, subject=outbox_event)


def retry_all_failed(actor, partner_id: int | None = None) -> int:
    events = list_events(SyncFilters(state=DeliveryState.FAILED, partner_id=partner_id))
    for outbox_event in events:
        retry(outbox_event, actor)
    return len(events)


def cancel(outbox_event: OutboxEvent, reason: str, actor) -> None:
    """Stop delivering; an invoice that never reached Odoo is rejected with the reason."""
    outbox.cancel(outbox_event, reason, actor_label=actor.email)
    if outbox_event.subject_type == "Invoice":
        invoice = db.session.get(Invoice, outbox_event.subject_id)
        if invoice is not None and invoice.status is InvoiceStatus.SUBMITTED:
            invoice.status = InvoiceStatus.REJECTED
            invoice.status_reason = reason
            invoice.status_changed_at = utcnow()
    audit.record("outbox.cancelled", actor=actor, partner_id=outbox_event.partner_id,
                 subject=outbox_event, reason=reason)


def subject_invoice(outbox_event: OutboxEvent) -> Invoice | None:
    if outbox_event.subject_type != "Invoice":
        return None
    return db.session.get(Invoice, outbox_event.subject_id)
