from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import UTCDateTime, utcnow
from app.extensions import db
from app.partners.models import Partner

if TYPE_CHECKING:
    from app.auth.models import User


class ApiKey(db.Model):
    """A partner's machine credential; only an HMAC of the secret part is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hmac: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(500))
    name: Mapped[str] = mapped_column(String(200), default="")
    # "api_key" (the secret is used directly) or "oauth_client" (the secret only buys short-lived
    # access tokens at /oauth/token, app/oauth/).
    kind: Mapped[str] = mapped_column(String(20), default="api_key", server_default="api_key")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The portal user who made the key (none for CLI keys): the key never outlives or
    # outranks them.
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Self-service limits (app/credentials/policy.py). Keys made before expiry was
    # required keep a NULL expires_at and work until revoked.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    allowed_networks: Mapped[list[str] | None] = mapped_column(JSON)
    allowed_purchase_order_ids: Mapped[list[int] | None] = mapped_column(JSON)
    allowed_projects: Mapped[list[str] | None] = mapped_column(JSON)
    # Rotation: the previous secret keeps working until previous_secret_expires_at.
    previous_secret_hmac: Mapped[str | None] = mapped_column(String(64))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_ip: Mapped[str | None] = mapped_column(String(45))
    expiry_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner: Mapped[Partner] = relationship()
    creator: Mapped[User | None] = relationship("User", foreign_keys=[created_by_user_id])

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(s for s in self.scopes.split(",") if s)
