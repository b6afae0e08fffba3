"""RQ jobs. Each takes ids, runs in an app context, is idempotent and logs its job id."""
from __future__ import annotations

import logging
import os
import random
from datetime import timedelta
from functools import wraps
from typing import Callable

from flask import current_app, has_app_context
from sqlalchemy import and_, or_, select

from app.database import utcnow
from app.extensions import db
from app.integration.breaker import BreakerState, OdooCircuitBreaker
from app.integration import sandbox_jobs, vendor_jobs
from app.integration.errors import PermanentDeliveryError, TransientDeliveryError
from app.integration.locks import LockBusy, worker_lock
from app.integration.odoo_access import breaker_for, odoo_client, odoo_client_for
from app.integration.models import DeliveryState, OutboxEvent, StepKind
from app.integration.outbox import record_step
from app.integration.queue import enqueue_outbox_event, has_live_job, outbox_job_id
from app.invoices.models import Invoice, InvoiceStatus
from app.mail.delivery import deliver as deliver_email
from app.mail.models import OutgoingEmail
from app.observability import set_correlation_id
from app.odoo import binder
from app.odoo.client import OdooClient
from app.odoo.bills import ExportConflict, push_invoice, read_bill_statuses
from app.odoo.errors import OdooError, OdooPermanentError, OdooTransientError
from app.odoo.purchase_orders import import_purchase_order, sync_partner
from app.invoices.status import apply_bill_status
from app.partners.models import Partner

log = logging.getLogger("rebar.jobs")
WORKER_PID_ENV = "REBAR_WORKER_PID"
_worker_app = None


def in_app_context(job: Callable) -> Callable:
    """Run the job inside the worker's app (made once per process), on fresh DB connections."""

    @wraps(job)
    def wrapped(*args, **kwargs):
        if has_app_context():
            _drop_connections_inherited_over_fork()
            return job(*args, **kwargs)
        global _worker_app
        if _worker_app is None:
            from app import create_app
            _worker_app = create_app()
        with _worker_app.app_context():
            return job(*args, **kwargs)

    return wrapped


_connections_owned_by_pid: int | None = None


def _drop_connections_inherited_over_fork() -> None:
    """RQ runs each job in a forked work horse: pooled connections of the parent are not ours."""
    global _connections_owned_by_pid
    parent_pid = os.environ.get(WORKER_PID_ENV)
    if parent_pid and int(parent_pid) != os.getpid() and _connections_owned_by_pid != os.getpid():
        db.engine.dispose(close=False)
        _connections_owned_by_pid = os.getpid()


@in_app_context
def deliver_outbox_event(event_id: int) -> str:
    # Locked until the SENDING commit: a partner's cancel (app/invoices/cancellation.py) then
    # either wins before the push starts or sees it started, never both.
    outbox_event = db.session.get(OutboxEvent, event_id, with_for_update=True)
    if outbox_event is None or not outbox_event.state.is_open:
        return "nothing to do"
    set_correlation_id(outbox_event.correlation_id)
    handler = TOPIC_HANDLERS.get(outbox_event.topic)
    if handler is None:
        _fail(outbox_event, f"No handler for {outbox_event.topic}")
        return "failed"
    if outbox_event.topic not in TOPICS_WITHOUT_ODOO:
        breaker = breaker_for(db.session.get(Partner, outbox_event.partner_id)
                              if outbox_event.partner_id else None)
        if not breaker.allow():
            return _wait_for_odoo(outbox_event, breaker.state())
    if outbox_event.attempts >= current_app.config["PUSH_MAX_ATTEMPTS"]:
        _fail(outbox_event, f"Gave up after {outbox_event.attempts} attempts; the last one "
                            "stopped without finishing (worker killed or restarted).")
        return "failed"
    outbox_event.state = DeliveryState.SENDING
    outbox_event.attempts += 1
    record_step(outbox_event, StepKind.SENDING)
    db.session.commit()
    try:
        handler(outbox_event)
    except OdooPermanentError as exc:
        db.session.rollback()
        _fail(outbox_event, f"Odoo refused it: {exc.message}")
        return "failed"
    except ExportConflict as exc:
        db.session.rollback()
        _fail(outbox_event, str(exc))
        return "failed"
    except OdooTransientError as exc:
        db.session.rollback()
        return _schedule_retry(outbox_event, exc.message)
    except PermanentDeliveryError as exc:
        db.session.rollback()
        _fail(outbox_event, str(exc))
        return "failed"
    except TransientDeliveryError as exc:
        db.session.rollback()
        return _schedule_retry(outbox_event, str(exc))
    except LockBusy as exc:
        db.session.rollback()
        outbox_event = db.session.merge(outbox_event)
        outbox_event.attempts -= 1  # waiting for our own lock is not a failed attempt
        return _schedule_retry(outbox_event, str(exc))
    except Exception as exc:
        db.session.rollback()
        log.exception("unexpected error delivering outbox event", extra={"outbox_id": event_id})
        _fail(outbox_event, f"Unexpected error ({type(exc).__name__}); the details are in the worker log.")
        return "failed"
    outbox_event.state = DeliveryState.SYNCED
    outbox_event.delivered_at = utcnow()
    outbox_event.last_error = None
    record_step(outbox_event, StepKind.SYNCED)
    db.session.commit()
    return "synced"


def _wait_for_odoo(outbox_event: OutboxEvent, breaker: BreakerState) -> str:
    """The breaker is open: wait for its probe without spending one of the event's attempts."""
    delay = max(breaker.retry_at - utcnow(), timedelta(0)) + timedelta(seconds=random.uniform(0.5, 3))
    outbox_event.state = DeliveryState.RETRYING
    outbox_event.last_error = f"Odoo unreachable since {breaker.since:%H:%M:%S} UTC: {breaker.last_error}"
    outbox_event.next_attempt_at = utcnow() + delay
    record_step(outbox_event, StepKind.WAITING_FOR_ODOO, outbox_event.last_error)
    db.session.commit()
    enqueue_outbox_event(outbox_event.id, delay=delay)
    return "waiting"


def _fail(outbox_event: OutboxEvent, reason: str) -> None:
    outbox_event = db.session.merge(outbox_event)
    outbox_event.state = DeliveryState.FAILED
    outbox_event.last_error = reason
    record_step(outbox_event, StepKind.FAILED, reason)
    db.session.commit()
    log.warning("outbox event needs attention: %s", reason, extra={"outbox_id": outbox_event.id})


def retry_delay(attempt: int) -> timedelta:
    """Exponential backoff with full jitter, capped at 10 minutes."""
    base = current_app.config["PUSH_RETRY_BASE_SECONDS"]
    ceiling = min(600.0, base * (2 ** max(attempt - 1, 0)))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def _schedule_retry(outbox_event: OutboxEvent, reason: str) -> str:
    outbox_event = db.session.merge(outbox_event)
    if outbox_event.attempts >= current_app.config["PUSH_MAX_ATTEMPTS"]:
        _fail(outbox_event, f"Gave up after {outbox_event.attempts} attempts: {reason}")
        return "failed"
    delay = retry_delay(outbox_event.attempts)
    outbox_event.state = DeliveryState.RETRYING
    outbox_event.last_error = reason
    outbox_event.next_attempt_at = utcnow() + delay
    record_step(outbox_event, StepKind.RETRYING, f"{reason} (next try in {delay.total_seconds():.0f} s)")
    db.session.commit()
    enqueue_outbox_event(outbox_event.id, delay=delay)
    log.info("will retry in %.1fs: %s", delay.total_seconds(), reason,
             extra={"outbox_id": outbox_event.id})
    return "retrying"


def _push_submitted_invoice(outbox_event: OutboxEvent) -> None:
    invoice = db.session.get(Invoice, outbox_event.subject_id)
    # One push at a time per Odoo company: concurrent bill creation fights over the journal's
    # sequence, and it also keeps two runs of the same invoice from searching-then-creating at once.
    odoo = "odoo-sandbox" if invoice.partner.is_sandbox else "odoo"
    lock = worker_lock(f"{odoo}-company:{invoice.purchase_order.buyer_company_odoo_id}")
    push_invoice(odoo_client_for(invoice.partner), invoice, lock=lock,
                 correlation_id=outbox_event.correlation_id)
    db.session.commit()


def _send_email(outbox_event: OutboxEvent) -> None:
    deliver_email(db.session.get(OutgoingEmail, outbox_event.subject_id))
    db.session.commit()


TOPIC_HANDLERS: dict[str, Callable[[OutboxEvent], None]] = {
    "invoice.submitted": _push_submitted_invoice,
    "email.send": _send_email,
    "partner.approved": vendor_jobs.deliver_partner_approved,
    "partner.bank_changed": vendor_jobs.deliver_bank_changed,
    sandbox_jobs.TWIN_TOPIC: sandbox_jobs.deliver_sandbox_twin,
}
TOPICS_WITHOUT_ODOO = frozenset({"email.send"})


@in_app_context
def sync_purchase_orders(partner_id: int | None = None) -> dict[str, int]:
    """Pull POs for one partner, or for every partner bound to an Odoo vendor (live ones from
    ODOO_URL, test-mode twins from the sandbox, each Odoo behind its own breaker)."""
    query = select(Partner).where(Partner.odoo_partner_id.is_not(None))
    if partner_id is not None:
        query = query.where(Partner.id == partner_id)
    totals = {"partners": 0, "purchase_orders": 0, "lines": 0}
    breakers: dict[bool, OdooCircuitBreaker] = {}
    clients: dict[bool, OdooClient] = {}
    for partner in db.session.scalars(query.order_by(Partner.is_sandbox, Partner.id)).all():
        # Live partners go first, and a sandbox outage never fails the scheduled run.
        spare = partner.is_sandbox and partner_id is None
        breaker = breakers.setdefault(partner.is_sandbox, breaker_for(partner))
        if not breaker.allow():
            if spare:
                continue
            raise OdooTransientError("Odoo is unreachable (circuit breaker open); the next run retries")
        try:
            client = clients.get(partner.is_sandbox) or odoo_client_for(partner, breaker)
            clients[partner.is_sandbox] = client
            report = sync_partner(client, partner)
        except OdooError as exc:
            db.session.rollback()
            _note_sync_failure(partner, exc)
            if spare:
                continue
            raise
        db.session.commit()
        totals["partners"] += 1
        totals["purchase_orders"] += report.purchase_orders
        totals["lines"] += report.lines
    return totals


def _note_sync_failure(partner: Partner, exc: OdooError) -> None:
    """Keep the failure on the partner's cursor: the PO pages say how old their data is."""
    from app.purchasing.models import SyncCursor
    from app.purchasing.services import purchase_order_cursor_name

    name = purchase_order_cursor_name(partner.id)
    cursor = db.session.get(SyncCursor, name) or SyncCursor(name=name)
    cursor.last_run_at, cursor.last_error = utcnow(), exc.message[:2000]
    db.session.add(cursor)
    db.session.commit()
    log.warning("PO sync failed for partner %s: %s", partner.id, exc.message)


@in_app_context
def refresh_bill_statuses() -> int:
    """Read back the accounting state of every bill not yet final; returns changes made."""
    open_statuses = (InvoiceStatus.IN_REVIEW, InvoiceStatus.APPROVED)
    invoices = db.session.scalars(select(Invoice).where(Invoice.status.in_(open_statuses))).all()
    bill_ids = {inv.id: binder.odoo_id_for("invoice", inv.id, "account.move") for inv in invoices}
    live = [bill_ids[i.id] for i in invoices if bill_ids[i.id] and not i.partner.is_sandbox]
    statuses = {(False, bill_id): status
                for bill_id, status in read_bill_statuses(odoo_client(), live).items()}
    statuses.update(_sandbox_bill_statuses(
        [i for i in invoices if bill_ids[i.id] and i.partner.is_sandbox], bill_ids))
    changed = 0
    for invoice in invoices:
        bill_id = bill_ids[invoice.id]
        if bill_id is not None and apply_bill_status(
                invoice, statuses.get((invoice.partner.is_sandbox, bill_id))):
            changed += 1
    db.session.commit()
    return changed


def _sandbox_bill_statuses(invoices: list[Invoice], bill_ids: dict[int, int | None]) -> dict:
    """Test-mode bills are read from the sandbox; a sandbox outage only delays them."""
    if not invoices:
        return {}
    try:
        found = read_bill_statuses(odoo_client_for(invoices[0].partner),
                                   [bill_ids[i.id] for i in invoices])
    except OdooError as exc:
        log.warning("could not read test-mode bill states from the Odoo sandbox: %s", exc.message)
        return {}
    return {(True, bill_id): status for bill_id, status in found.items()}


@in_app_context
def reconcile_outbox(stale_after_seconds: int = 120, grace_seconds: int = 15) -> int:
    """Re-enqueue open events that have no live job: Redis flushed or restarted, worker or
    work horse killed, job expired. Rows younger than the grace period are left to their
    enqueue-after-commit; rows untouched for `stale_after_seconds` are re-enqueued whatever
    Redis says (a job that claims to run that long is not trusted)."""
    now = utcnow()
    grace = timedelta(seconds=min(grace_seconds, stale_after_seconds))
    candidates = db.session.scalars(select(OutboxEvent).where(or_(
        and_(OutboxEvent.state.in_([DeliveryState.QUEUED, DeliveryState.SENDING]),
             OutboxEvent.updated_at <= now - grace),
        and_(OutboxEvent.state == DeliveryState.RETRYING, OutboxEvent.next_attempt_at <= now - grace),
    ))).all()
    stale_cutoff = now - timedelta(seconds=stale_after_seconds)
    recovered = 0
    for outbox_event in candidates:
        if outbox_event.updated_at >= stale_cutoff and has_live_job(outbox_job_id(outbox_event.id)):
            continue
        outbox_event.state = DeliveryState.QUEUED
        record_step(outbox_event, StepKind.RECOVERED, "its job was lost; queued again")
        db.session.commit()
        enqueue_outbox_event(outbox_event.id)
        recovered += 1
    return recovered


@in_app_context
def refresh_from_odoo(odoo_model: str, odoo_id: int) -> str:
    """Targeted re-read after Odoo's automation webhook said a record changed. The payload is
    never trusted: the record is read back through the API."""
    client = odoo_client()
    if odoo_model == "purchase.order":
        order = import_purchase_order(client, odoo_id)
        db.session.commit()
        return "updated" if order else "not ours"
    invoice_id = binder.local_id_for("invoice", "account.move", odoo_id)  # live bills only
    invoice = db.session.get(Invoice, invoice_id) if invoice_id else None
    if invoice is None:
        return "not ours"
    apply_bill_status(invoice, read_bill_statuses(client, [odoo_id]).get(odoo_id))
    db.session.commit()
    return "updated"
