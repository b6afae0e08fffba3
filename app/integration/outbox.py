"""The transactional outbox: events are rows written with the change, enqueued after commit."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.integration.models import DeliveryState, OutboxEvent
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
    db.session.flush()
    db.session.info.setdefault(_PENDING_KEY, []).append(outbox_event.id)
    return outbox_event


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


def requeue(outbox_event: OutboxEvent) -> None:
    """Give a failed event a fresh budget of attempts; it is enqueued after the commit."""
    outbox_event.state = DeliveryState.QUEUED
    outbox_event.attempts = 0
    outbox_event.last_error = None
    db.session.flush()
    db.session.info.setdefault(_PENDING_KEY, []).append(outbox_event.id)


def waiting_count() -> int:
    """Events not yet delivered (queued, sending or retrying)."""
    from sqlalchemy import func, select
    open_states = [state for state in DeliveryState if state.is_open]
    return db.session.scalar(select(func.count()).select_from(OutboxEvent)
                             .where(OutboxEvent.state.in_(open_states)))
