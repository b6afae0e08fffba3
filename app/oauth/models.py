"""OAuth 2.0 access tokens: only an HMAC of the token is kept, like API key secrets."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.credentials.models import ApiKey
from app.database import UTCDateTime, utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.oauth.server import OAuthClient


class OAuthAccessToken(db.Model):
    """A short-lived bearer token issued to an OAuth client (an `ApiKey` of kind
    "oauth_client"); its scopes are a subset of the client's."""

    __tablename__ = "oauth_access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    token_hmac: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(500))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    api_key: Mapped[ApiKey] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(s for s in self.scopes.split(",") if s)

    def check_client(self, client: OAuthClient) -> bool:
        """Authlib's revocation endpoint: was this token issued to `client`?"""
        return self.api_key_id == client.key.id
