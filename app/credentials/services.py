"""API keys: `rbr_live_<public id>_<secret>`; only an HMAC-SHA256 of the secret is stored."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.auth.models import Role, User
from app.credentials.models import ApiKey
from app.database import utcnow
from app.extensions import db
from app.partners.models import Partner

KEY_PREFIX = "rbr_live_"
TEST_KEY_PREFIX = "rbr_test_"  # test mode: keys of a sandbox twin (app/credentials/sandbox.py)
SCOPES = frozenset({"purchase_orders:read", "invoices:read", "invoices:write", "documents:write",
                    "webhooks:manage", "profile:read"})
_KEY_RE = re.compile(r"^rbr_(live|test)_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")


class CredentialError(ValueError):
    pass


class KeyRefused(CredentialError):
    """A genuine key (the secret matched) that may not be used now: revoked, expired, or an
    old secret after its rotation grace. Saying why helps the key's holder; it reveals nothing
    to someone without the secret."""

    def __init__(self, detail: str, kind: str):
        super().__init__(detail)
        self.detail, self.kind = detail, kind


def _secret_hmac(secret: str) -> str:
    pepper = current_app.config["API_KEY_PEPPER"].encode()
    return hmac.new(pepper, secret.encode(), hashlib.sha256).hexdigest()


def parse_scopes(raw: str) -> list[str]:
    scopes = sorted({s.strip() for s in raw.split(",") if s.strip()})
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise CredentialError(f"Unknown or missing scopes {unknown or ''}; choose from {', '.join(sorted(SCOPES))}.")
    return scopes


def stored_scopes(scopes: list[str]) -> str:
    """The scopes column: known scopes only, each once (a form may repeat a value), sorted."""
    unique = sorted(set(scopes))
    unknown = [scope for scope in unique if scope not in SCOPES]
    if unknown or not unique:
        raise CredentialError(f"Unknown scope: {', '.join(unknown)}." if unknown else "Choose at least one scope.")
    return ",".join(unique)


def create_api_key(partner_id: int, scopes: list[str], *, name: str = "", actor="cli",
                   created_by: User | None = None,
                   expires_at: datetime | None = None) -> tuple[ApiKey, str]:
    """Returns the stored key and the full secret, which is never retrievable again.
    A key made by a portal user (`created_by`) stops with them and never outranks them."""
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise CredentialError(f"No partner with id {partner_id}.")
    if created_by is not None and created_by.partner_id not in (partner_id, partner.sandbox_of_id):
        raise CredentialError("The key's creator belongs to another partner.")
    public_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(partner_id=partner_id, public_id=public_id, secret_hmac=_secret_hmac(secret),
                 scopes=stored_scopes(scopes), name=name,
                 created_by_user_id=created_by.id if created_by is not None else None,
                 expires_at=expires_at)
    db.session.add(key)
    db.session.flush()
    audit.record("api_key.created", actor=actor, partner_id=partner_id, subject=key,
                 public_id=public_id, scopes=sorted(key.scope_set),
                 expires_at=expires_at.isoformat() if expires_at else None)
    return key, f"{key_prefix(partner)}{public_id}_{secret}"


def key_prefix(partner: Partner) -> str:
    """rbr_test_ for a sandbox twin's keys, rbr_live_ for everyone else's."""
    return TEST_KEY_PREFIX if partner.is_sandbox else KEY_PREFIX


def verify_api_key(presented: str) -> ApiKey | None:
    try:
        return authenticate_api_key(presented)
    except KeyRefused:
        return None


def authenticate_api_key(presented: str) -> ApiKey | None:
    """The usable key, None for anything that is not a key of ours, KeyRefused for a genuine
    key that is revoked, expired, or presented with a secret rotated out."""
    match = _KEY_RE.match(presented or "")
    if not match:
        return None
    kind, public_id, secret = match.groups()
    # Partner and creator come in the same query: the rate limiter reads the company's API
    # budget next and the scope check the creator's role.
    key = db.session.scalar(select(ApiKey).options(joinedload(ApiKey.partner), joinedload(ApiKey.creator))
                            .where(ApiKey.public_id == public_id))
    presented_hmac = _secret_hmac(secret)
    expected = key.secret_hmac if key else _secret_hmac("no-such-key")
    is_current = hmac.compare_digest(expected, presented_hmac)
    is_previous = (key is not None and key.previous_secret_hmac is not None
                   and hmac.compare_digest(key.previous_secret_hmac, presented_hmac))
    if key is None or not (is_current or is_previous):
        return None
    if key.partner.is_sandbox != (kind == "test"):  # a test secret never opens live books
        return None
    if key.kind == "oauth_client":  # its secret only buys access tokens at /oauth/token
        return None
    _refuse_unusable(key, is_current)
    if key.creator is not None and not key.creator.is_active:
        return None
    return key


def _refuse_unusable(key: ApiKey, is_current: bool) -> None:
    now = utcnow()
    if key.revoked_at:
        raise KeyRefused("This API key was revoked; ask an owner of your company for a new one.",
                         "api-key-revoked")
    if key.expires_at is not None and key.expires_at <= now:
        raise KeyRefused(f"This API key expired on {key.expires_at:%Y-%m-%d %H:%M} UTC; ask an "
                         "owner of your company for a new one.", "api-key-expired")
    grace_end = key.previous_secret_expires_at
    if not is_current and (grace_end is None or grace_end <= now):
        raise KeyRefused("This secret was replaced when the key was rotated and no longer works; "
                         "use the new secret.", "api-key-rotated")


def effective_scopes(key: ApiKey) -> frozenset[str]:
    """The key's scopes cut down to what its creator's role allows today: demoting the
    creator trims the key at once."""
    if key.created_by_user_id is None:
        return key.scope_set
    creator = db.session.get(User, key.created_by_user_id)
    if creator is None or not creator.is_active:
        return frozenset()
    return key.scope_set & scopes_for_role(creator.role)


def scopes_for_role(role: Role) -> frozenset[str]:
    if role.can_submit_invoices:
        return SCOPES
    return frozenset(scope for scope in SCOPES if scope.endswith(":read"))


def revoke_keys_created_by(user: User, *, actor) -> None:
    """A deactivated user's keys stay dead even if the user comes back."""
    for key in db.session.scalars(select(ApiKey).where(ApiKey.created_by_user_id == user.id,
                                                       ApiKey.revoked_at.is_(None))):
        revoke_api_key(key.public_id, actor=actor)


def revoke_api_key(public_id: str, *, actor="cli") -> ApiKey:
    key = db.session.scalar(select(ApiKey).where(ApiKey.public_id == public_id))
    if key is None:
        raise CredentialError(f"No API key {public_id}.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record("api_key.revoked", actor=actor, partner_id=key.partner_id, subject=key,
                     public_id=public_id)
    return key
