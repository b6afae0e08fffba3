from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import UTCDateTime, string_enum, utcnow
from app.extensions import db


class DeliveryState(str, enum.Enum):
    QUEUED = "queued"
    SENDING = "sending"
    RETRYING = "retrying"
    SYNCED = "synced"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self in (DeliveryState.QUEUED, DeliveryState.SENDING, DeliveryState.RETRYING)


class OutboxEvent(db.Model):
    """An event written in the business transaction and delivered by a job after commit."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(100), index=True)
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[int] = mapped_column(index=True)
    partner_id: Mapped[int | None] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[DeliveryState] = mapped_column(string_enum(DeliveryState, length=16),
                                                 default=DeliveryState.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    correlation_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    timeline: Mapped[list["DeliveryStep"]] = relationship(
        back_populates="outbox_event", order_by="DeliveryStep.id", cascade="all, delete-orphan")


class StepKind(str, enum.Enum):
    QUEUED = "queued"
    SENDING = "sending"
    RETRYING = "retrying"
    WAITING_FOR_ODOO = "waiting_for_odoo"
    SYNCED = "synced"
    FAILED = "failed"
    REQUEUED = "requeued"
    RECOVERED = "recovered"
    CANCELLED = "cancelled"


class DeliveryStep(db.Model):
    """One line of an outbox event's timeline; written with the state change it describes."""

    __tablename__ = "delivery_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[StepKind] = mapped_column(string_enum(StepKind))
    attempt: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)
    actor_label: Mapped[str | None] = mapped_column(String(200))

    outbox_event: Mapped[OutboxEvent] = relationship(back_populates="timeline")


class OdooBinding(db.Model):
    """Binder: one portal record ⇄ one Odoo record, unique both ways."""

    __tablename__ = "odoo_bindings"
    __table_args__ = (
        UniqueConstraint("odoo_model", "odoo_id", "is_sandbox"),
        UniqueConstraint("local_type", "local_id", "odoo_model"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    odoo_model: Mapped[str] = mapped_column(String(64))
    odoo_id: Mapped[int]
    # A record in the Odoo sandbox (test mode): Odoo ids are unique per Odoo.
    is_sandbox: Mapped[bool] = mapped_column(default=False, server_default=false())
    local_type: Mapped[str] = mapped_column(String(50))
    local_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
