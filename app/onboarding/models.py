from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import UTCDateTime, string_enum, utcnow
from app.extensions import db
from app.partners.models import Partner


class DocumentKind(str, enum.Enum):
    TAX_FORM = "tax_form"
    INSURANCE = "insurance"
    LICENCE = "licence"


class OnboardingDocument(db.Model):
    """A file an applicant uploaded (tax form, insurance certificate, licence)."""

    __tablename__ = "onboarding_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(string_enum(DocumentKind, length=16))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    expires_on: Mapped[date | None] = mapped_column(Date)
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner] = relationship()


class ReviewEventKind(str, enum.Enum):
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    BANK_CHANGE_REQUESTED = "bank_change_requested"
    BANK_CHANGE_APPROVED = "bank_change_approved"
    BANK_CHANGE_ACTIVATED = "bank_change_activated"
    BANK_CHANGE_REJECTED = "bank_change_rejected"


class ReviewEvent(db.Model):
    """One step of an application's (or bank change's) history, shown to partner and staff."""

    __tablename__ = "onboarding_review_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    kind: Mapped[ReviewEventKind] = mapped_column(string_enum(ReviewEventKind, length=32))
    message: Mapped[str | None] = mapped_column(Text)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User")
