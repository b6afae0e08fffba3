"""Federated sign-in: identities keyed by (issuer, subject), partners' own IdPs and the
e-mail domains a partner has proven it controls (which route sign-ins to its IdP)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Role, User
from app.crypto import EncryptedString
from app.database import UTCDateTime, string_enum, utcnow
from app.extensions import db
from app.partners.models import Partner


class FederatedIdentity(db.Model):
    """A user's account at an OpenID provider; never matched by e-mail, only by (iss, sub)."""

    __tablename__ = "federated_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    provider_key: Mapped[str] = mapped_column(String(80))
    email_at_link: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class PartnerIdentityProvider(db.Model):
    """A partner company's own OpenID provider. It can be switched on only after a test
    sign-in succeeded with the current settings; changing them switches it off again."""

    __tablename__ = "partner_identity_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), unique=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret: Mapped[str] = mapped_column(EncryptedString)
    enabled: Mapped[bool] = mapped_column(default=False)
    tested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tested_email: Mapped[str | None] = mapped_column(String(320))
    jit_role: Mapped[Role | None] = mapped_column(string_enum(Role))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner] = relationship()

    @property
    def key(self) -> str:
        return f"partner-{self.id}"


class PartnerDomain(db.Model):
    """An e-mail domain a partner claims. `verified_domain` is set (unique) only once proven,
    so two partners may both try a domain but only one can ever hold it."""

    __tablename__ = "partner_domains"
    __table_args__ = (UniqueConstraint("partner_id", "domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    domain: Mapped[str] = mapped_column(String(253))
    verified_domain: Mapped[str | None] = mapped_column(String(253), unique=True)
    dns_token: Mapped[str] = mapped_column(String(64))
    email_token_hash: Mapped[str | None] = mapped_column(String(64))
    email_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_sent_to: Mapped[str | None] = mapped_column(String(320))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner] = relationship()

    @property
    def is_verified(self) -> bool:
        return self.verified_domain is not None

    @property
    def txt_record_name(self) -> str:
        return f"_rebar-verification.{self.domain}"

    @property
    def txt_record_value(self) -> str:
        return f"rebar-verification={self.dns_token}"
