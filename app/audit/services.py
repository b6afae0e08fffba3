"""Writing audit entries inside the caller's transaction."""
from __future__ import annotations

from typing import Any

from app.audit.models import AuditEntry
from app.extensions import db
from app.observability import current_correlation_id


def record(action: str, *, actor: Any = None, partner_id: int | None = None,
           subject: Any = None, **details: Any) -> AuditEntry:
    """Add an audit entry to the session; the caller's commit makes it durable. Work done in
    test mode (a company's sandbox twin) is filed under the company itself, marked test_mode,
    so the company's owners see it in their activity."""
    partner_id, details = _company_of(partner_id, details)
    entry = AuditEntry(
        action=action,
        partner_id=partner_id,
        subject_type=type(subject).__name__ if subject is not None else None,
        subject_id=getattr(subject, "id", None),
        details=details,
        correlation_id=current_correlation_id(),
    )
    _set_actor(entry, actor)
    db.session.add(entry)
    return entry


def _set_actor(entry: AuditEntry, actor: Any) -> None:
    from app.auth.models import User
    from app.credentials.models import ApiKey

    if isinstance(actor, User):
        entry.actor_user_id, entry.actor_label = actor.id, actor.email
    elif isinstance(actor, ApiKey):
        entry.actor_api_key_id, entry.actor_label = actor.id, f"API key {actor.public_id}"
    elif isinstance(actor, str):
        entry.actor_label = actor


def _company_of(partner_id: int | None, details: dict[str, Any]) -> tuple[int | None, dict[str, Any]]:
    from app.partners.models import Partner

    partner = db.session.get(Partner, partner_id) if partner_id is not None else None
    if partner is None or partner.sandbox_of_id is None:
        return partner_id, details
    return partner.sandbox_of_id, {**details, "test_mode": True}
