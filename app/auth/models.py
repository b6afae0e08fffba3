from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.crypto import EncryptedString
from app.database import UTCDateTime, string_enum, utcnow
from app.extensions import db
from app.partners.models import Partner


class Role(str, enum.Enum):
    STAFF_ADMIN = "staff_admin"
    STAFF_REVIEWER = "staff_reviewer"
    PARTNER_OWNER = "partner_owner"
    PARTNER_BILLING = "partner_billing"
    PARTNER_VIEWER = "partner_viewer"

    @property
    def is_staff(self) -> bool:
        return self in (Role.STAFF_ADMIN, Role.STAFF_REVIEWER)

    @property
    def requires_two_factor(self) -> bool:
        return self.is_staff or self is Role.PARTNER_OWNER

    @property
    def can_submit_invoices(self) -> bool:
        return self in (Role.PARTNER_OWNER, Role.PARTNER_BILLING)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(string_enum(Role))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    is_active_user: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(16))
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # TOTP seed; set but not yet enabled while the user is enrolling.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedString)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    partner: Mapped[Partner | None] = relationship()

    def get_id(self) -> str:
        """Sessions and remember-me cookies carry this token too; rotating it ends them all."""
        return f"{self.id}:{self.session_token}"

    def end_all_sessions(self) -> None:
        self.session_token = secrets.token_hex(16)

    @property
    def is_active(self) -> bool:
        return self.is_active_user

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None and self.totp_secret is not None


class RecoveryCode(db.Model):
    """A single-use two-factor recovery code, stored as a SHA-256 hash only."""
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
