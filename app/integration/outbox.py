"""The transactional outbox: events are rows written with the change, enqueued after commit."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.integration.models import DeliveryState, DeliveryStep, OutboxEvent, StepKind
from app.observability import current_correlation_id

log = logging.getLogger("rebar.outbox")
_PENDING_KEY = "rebar_outbox_pending"


def publish(topic: str, subject: Any, *, partner_id: int | None = None,
            payload: dict[str, Any] | None = None) -> OutboxEvent:
    """Add an event to the caller's transaction; it is enqueued only once that commits."""
    outbox_event = OutboxEvent(topic=topic, subject_type=type(subject).__name__,
                               subject_id=subject.id, partner_id=partner_id,
                               payload=payload or {}, correlation_id=current_correlation_id())
    db.session.add(outbox_event)
    record_step(outbox_event, StepKind.QUEUED)
    db.session.flush()
    db.session.info.setdefault(_PENDING_KEY, []).append(outbox_event.id)
    return outbox_event


def record_step(outbox_event: OutboxEvent, kind: StepKind, message: str | None = None,
                actor_label: str | None = None) -> None:
    """Add a line to the event's timeline, in the same transaction as the change it describes."""
    outbox_event.timeline.append(DeliveryStep(kind=kind, attempt=outbox_event.attempts or 0,
                                              message=message, actor_label=actor_label))


@event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session: Session) -> None:
    event_ids = session.info.pop(_PENDING_KEY, [])
    if not event_ids:
        return
    from app.integration.queue import enqueue_outbox_event
    for event_id in event_ids:
        try:
            enqueue_outbox_event(event_id)
        except Exception:
            # The row is safe in the database; the reconciler enqueues it later.
            log.exception("could not enqueue outbox event", extra={"outbox_id": event_id})


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


def requeue(outbox_event: OutboxEvent, actor_label: str = "system") -> None:
    """Give a failed event a fresh budget of attempts; it is enqueued after the commit."""
    outbox_event.state = DeliveryState.QUEUED
    outbox_event.attempts = 0
    outbox_event.last_error = None
    record_step(outbox_event, StepKind.REQUEUED, actor_label=actor_label)
    db.session.flush()
    db.session.info.setdefault(_PENDING_KEY, []).append(outbox_event.id)


def cancel(outbox_event: OutboxEvent, reason: str, actor_label: str) -> None:
    outbox_event.state = DeliveryState.CANCELLED
    outbox_event.last_error = reason
    record_step(outbox_event, StepKind.CANCELLED, reason, actor_label=actor_label)


def waiting_count() -> int:
    """Events not yet delivered (queued, sending or retrying)."""
    from sqlalchemy import func, select
    open_states = [state for state in DeliveryState if state.is_open]
    return db.session.scalar(select(func.count()).select_from(OutboxEvent)
                             .where(OutboxEvent.state.in_(open_states)))
