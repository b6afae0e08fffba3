"""OAuth clients (rows of `api_keys` with kind "oauth_client") and their access tokens.

A client shares everything with API keys (scopes, creator rules, company, rate limits,
idempotency records, usage); only its secret is never accepted by /api/v1 directly: it buys
`rbr_at_…` access tokens at /oauth/token, which expire after OAUTH_TOKEN_SECONDS."""
from __future__ import annotations

import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.auth.models import User
from app.credentials.models import ApiKey
from app.credentials.services import CredentialError, KeyRefused, _secret_hmac, scopes_for_role, stored_scopes
from app.database import utcnow
from app.extensions import db
from app.oauth.models import OAuthAccessToken

OAUTH_CLIENT = "oauth_client"
CLIENT_ID_PREFIX = "rbr_client_"
ACCESS_TOKEN_PREFIX = "rbr_at_"
_CLIENT_ID_RE = re.compile(r"^rbr_client_([0-9a-f]{16})$")
_ACCESS_TOKEN_RE = re.compile(r"^rbr_at_[A-Za-z0-9_-]{43}$")


def client_id_of(client: ApiKey) -> str:
    return f"{CLIENT_ID_PREFIX}{client.public_id}"


def create_oauth_client(creator: User, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """Returns the client and its secret, which is never retrievable again. The client can
    never carry more rights than its creator's role allows."""
    if creator.partner_id is None:
        raise CredentialError("Only a company's users can register OAuth clients.")
    beyond_role = sorted(set(scopes) - scopes_for_role(creator.role))
    if beyond_role or not scopes:
        raise CredentialError(f"Your role cannot grant {', '.join(beyond_role) or 'no scopes'}.")
    public_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    client = ApiKey(partner_id=creator.partner_id, public_id=public_id, secret_hmac=_secret_hmac(secret),
                    scopes=stored_scopes(scopes), name=name, kind=OAUTH_CLIENT,
                    created_by_user_id=creator.id)
    db.session.add(client)
    db.session.flush()
    audit.record("oauth_client.created", actor=creator, partner_id=creator.partner_id, subject=client,
                 client_id=client_id_of(client), scopes=sorted(scopes))
    return client, secret


def clients_of(partner_id: int) -> list[ApiKey]:
    return list(db.session.scalars(select(ApiKey).options(joinedload(ApiKey.partner))
                                   .where(ApiKey.partner_id == partner_id, ApiKey.kind == OAUTH_CLIENT)
                                   .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())))


def client_of(partner_id: int, client_pk: int) -> ApiKey | None:
    """The company's own client, or None (also for another company's id)."""
    return db.session.scalar(select(ApiKey).where(ApiKey.id == client_pk, ApiKey.partner_id == partner_id,
                                                  ApiKey.kind == OAUTH_CLIENT))


def revoke_oauth_client(client: ApiKey, *, actor) -> None:
    """The client gets no new tokens and every token it holds dies at once."""
    now = utcnow()
    if client.revoked_at is None:
        client.revoked_at = now
        audit.record("oauth_client.revoked", actor=actor, partner_id=client.partner_id, subject=client,
                     client_id=client_id_of(client))
    db.session.execute(update(OAuthAccessToken)
                       .where(OAuthAccessToken.api_key_id == client.id, OAuthAccessToken.revoked_at.is_(None))
                       .values(revoked_at=now))


def client_is_usable(client: ApiKey | None) -> bool:
    """Not revoked, not expired, and its creator (if any) still active."""
    if client is None or client.kind != OAUTH_CLIENT or client.revoked_at is not None:
        return False
    if client.expires_at is not None and client.expires_at <= utcnow():
        return False
    if client.created_by_user_id is None:
        return True
    creator = db.session.get(User, client.created_by_user_id)
    return creator is not None and creator.is_active


def find_usable_client(client_id: str) -> ApiKey | None:
    match = _CLIENT_ID_RE.match(client_id or "")
    if not match:
        return None
    client = db.session.scalar(select(ApiKey).where(ApiKey.public_id == match.group(1)))
    return client if client_is_usable(client) else None


def new_access_token() -> str:
    return f"{ACCESS_TOKEN_PREFIX}{secrets.token_urlsafe(32)}"


def token_lifetime_seconds() -> int:
    return int(current_app.config.get("OAUTH_TOKEN_SECONDS", 3600))


def store_access_token(client: ApiKey, token: str, scopes: list[str], expires_in: int) -> OAuthAccessToken:
    now = utcnow()
    row = OAuthAccessToken(api_key_id=client.id, token_hmac=_secret_hmac(token), scopes=",".join(sorted(scopes)),
                           issued_at=now, expires_at=now + timedelta(seconds=expires_in))
    db.session.add(row)
    # Expired tokens are useless: each issuance clears the client's older than a day (kept that
    # long for investigations), so the table stays about one token per client and hour.
    db.session.execute(delete(OAuthAccessToken).where(OAuthAccessToken.api_key_id == client.id,
                                                      OAuthAccessToken.expires_at < now - timedelta(days=1)))
    return row


def find_access_token(presented: str) -> OAuthAccessToken | None:
    """The stored token for this string, usable or not (revocation needs both)."""
    if not _ACCESS_TOKEN_RE.match(presented or ""):
        return None
    return db.session.scalar(select(OAuthAccessToken)
                             .options(joinedload(OAuthAccessToken.api_key).joinedload(ApiKey.partner))
                             .where(OAuthAccessToken.token_hmac == _secret_hmac(presented)))


def authenticate_access_token(presented: str) -> OAuthAccessToken | None:
    """The live token; None for anything that is not a token of ours; KeyRefused (saying why)
    for a genuine token that is revoked or expired, or whose client no longer works."""
    token = find_access_token(presented)
    if token is None:
        return None
    if token.revoked_at is not None or not client_is_usable(token.api_key):
        raise KeyRefused("This access token was revoked, or its OAuth client was revoked or expired.",
                         "access-token-revoked")
    if token.expires_at <= utcnow():
        raise KeyRefused("This access token expired; get a new one from /oauth/token.", "access-token-expired")
    return token


def revoke_access_token(token: OAuthAccessToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("oauth_token.revoked", actor=token.api_key, partner_id=token.api_key.partner_id,
                     subject=token.api_key, client_id=client_id_of(token.api_key))
