"""Owners manage their company's API keys; staff see and revoke everyone's. Changes state and
audits; never commits (the view does)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from functools import partial
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app
from sqlalchemy import select

from app.audit import services as audit
from app.auth.models import User
from app.credentials.models import ApiKey
from app.credentials.policy import key_status
from app.credentials.sandbox import create_test_api_key, partner_ids_with_twin, test_mode_problem
from app.credentials.services import (CredentialError, _secret_hmac, create_api_key, key_prefix,
                                      revoke_api_key, scopes_for_role)
from app.database import utcnow
from app.extensions import db
from app.partners.models import Partner
from app.purchasing.models import PurchaseOrder

# Rotation grace periods an owner may pick (form value → duration).
GRACE_PERIODS: dict[str, timedelta] = {
    "none": timedelta(0), "1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7),
}


# OAuth clients share the table (app/oauth/) and have their own pages.
_IS_API_KEY = ApiKey.kind == "api_key"


@dataclass
class KeyRequest:
    name: str
    scopes: list[str]
    expires_on: date
    networks: list[str] = field(default_factory=list)
    purchase_order_ids: list[int] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    test_mode: bool = False


def max_expiry_days() -> int:
    return int(current_app.config["API_KEY_MAX_DAYS"])


def expiry_problem(expires_on: date | None, today: date) -> str | None:
    if expires_on is None:
        return "Choose the date the key stops working."
    if expires_on <= today:
        return "Choose a date after today."
    if expires_on > today + timedelta(days=max_expiry_days()):
        latest = today + timedelta(days=max_expiry_days())
        return f"Keys can live at most {max_expiry_days()} days: choose {latest.isoformat()} or earlier."
    return None


def end_of_day_utc(day: date) -> datetime:
    """A key is valid through the whole day its owner chose."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=timezone.utc)


def company_keys(partner_id: int) -> list[ApiKey]:
    """Live keys and the test keys of the company's sandbox twin."""
    partner_ids = partner_ids_with_twin(db.session.get(Partner, partner_id))
    return list(db.session.scalars(select(ApiKey).where(ApiKey.partner_id.in_(partner_ids), _IS_API_KEY)
                                   .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())))


def key_of(partner_id: int, key_id: int) -> ApiKey | None:
    """Another company's key is simply not found."""
    partner_ids = partner_ids_with_twin(db.session.get(Partner, partner_id))
    return db.session.scalar(select(ApiKey).where(ApiKey.id == key_id, ApiKey.partner_id.in_(partner_ids),
                                                  _IS_API_KEY))


def company_projects(partner_id: int) -> list[str]:
    return list(db.session.scalars(
        select(PurchaseOrder.project_name).where(PurchaseOrder.partner_id == partner_id,
                                                 PurchaseOrder.project_name.is_not(None))
        .distinct().order_by(PurchaseOrder.project_name)))


def company_purchase_orders(partner_id: int) -> list[PurchaseOrder]:
    return list(db.session.scalars(select(PurchaseOrder).where(PurchaseOrder.partner_id == partner_id)
                                   .order_by(PurchaseOrder.number)))


def creators_of(keys: list[ApiKey]) -> dict[int, User]:
    ids = {k.created_by_user_id for k in keys if k.created_by_user_id}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def issue_api_key(owner: User, request: KeyRequest, *, today: date) -> tuple[ApiKey, str]:
    """Returns the key and its full secret, shown once. Never more than the owner's role."""
    _check_request(owner, request, today)
    make = partial(create_test_api_key, owner.partner) if request.test_mode else partial(create_api_key, owner.partner_id)
    key, secret = make(sorted(request.scopes), name=request.name.strip(), actor=owner, created_by=owner,
                       expires_at=end_of_day_utc(request.expires_on))
    key.allowed_networks = request.networks or None
    key.allowed_purchase_order_ids = sorted(request.purchase_order_ids) or None
    key.allowed_projects = sorted(request.projects) or None
    if request.networks or request.purchase_order_ids or request.projects:
        audit.record("api_key.limited", actor=owner, partner_id=owner.partner_id, subject=key,
                     public_id=key.public_id, networks=request.networks,
                     purchase_order_ids=key.allowed_purchase_order_ids or [],
                     projects=key.allowed_projects or [])
    return key, secret


def _check_request(owner: User, request: KeyRequest, today: date) -> None:
    if not request.name.strip():
        raise CredentialError("Give the key a name.")
    allowed = scopes_for_role(owner.role)
    if not request.scopes or not set(request.scopes) <= allowed:
        raise CredentialError("Choose at least one scope your role allows.")
    problem = expiry_problem(request.expires_on, today)
    if problem:
        raise CredentialError(problem)
    if request.test_mode and (request.purchase_order_ids or request.projects):
        raise CredentialError("A test key sees only the sandbox's sample purchase orders: leave the "
                              "purchase order and project limits empty.")
    if request.test_mode and (problem := test_mode_problem()):
        raise CredentialError(problem)
    own_orders = {o.id for o in company_purchase_orders(owner.partner_id)}
    if not set(request.purchase_order_ids) <= own_orders:
        raise CredentialError("Choose among your company's purchase orders.")
    if not set(request.projects) <= set(company_projects(owner.partner_id)):
        raise CredentialError("Choose among your company's projects.")


def rotate_api_key(key: ApiKey, grace: timedelta, *, actor: User) -> str:
    """A new secret; the old one keeps working until the grace period ends (not at all for
    none). A second rotation during a grace period ends the older secret's grace at once."""
    status = key_status(key).code
    if status in ("revoked", "expired"):
        raise CredentialError(f"This key is {status}; create a new one instead.")
    now = utcnow()
    secret = secrets.token_urlsafe(32)
    if grace > timedelta(0):
        key.previous_secret_hmac = key.secret_hmac
        key.previous_secret_expires_at = now + grace
    else:
        key.previous_secret_hmac = key.previous_secret_expires_at = None
    key.secret_hmac = _secret_hmac(secret)
    key.rotated_at = now
    audit.record("api_key.rotated", actor=actor, partner_id=key.partner_id, subject=key,
                 public_id=key.public_id, grace_seconds=int(grace.total_seconds()),
                 old_secret_works_until=key.previous_secret_expires_at.isoformat()
                 if key.previous_secret_expires_at else None)
    return f"{key_prefix(key.partner)}{key.public_id}_{secret}"


def revoke_key(key: ApiKey, *, actor: User) -> ApiKey:
    return revoke_api_key(key.public_id, actor=actor)


def all_keys(*, partner_id: int | None = None, status: str | None = None,
             limit: int = 500) -> list[ApiKey]:
    """Staff view: every company's keys, newest first; status is computed, so filtered here."""
    query = select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())  # OAuth clients too
    if partner_id is not None:
        query = query.where(ApiKey.partner_id == partner_id)
    keys = list(db.session.scalars(query.limit(limit * 4 if status else limit)))
    if status:
        now = utcnow()
        keys = [k for k in keys if key_status(k, now).code == status]
    return keys[:limit]


def any_key(key_id: int) -> ApiKey | None:
    """Staff reach every credential, OAuth clients included."""
    return db.session.get(ApiKey, key_id)
