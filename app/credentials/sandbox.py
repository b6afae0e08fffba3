"""Test mode: `rbr_test_` keys work on the Odoo sandbox's data only (like Stripe's test mode).

Each real partner may get one *sandbox twin*: a Partner row (`is_sandbox`, `sandbox_of_id`)
that owns the test keys and everything made with them. Every API query is already scoped to
the key's partner, so test data and live data never meet; jobs send a twin's work to the
sandbox Odoo (`odoo_client_for`). No user belongs to a twin: nobody signs in to it.
"""
from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit import services as audit
from app.auth.models import User
from app.credentials.models import ApiKey
from app.credentials.services import CredentialError, create_api_key
from app.extensions import db
from app.integration import outbox
from app.integration.models import DeliveryState, OutboxEvent
from app.integration.sandbox_jobs import TWIN_TOPIC
from app.partners.models import Partner, PartnerStatus

TWIN_SUFFIX = " (test)"
_COPIED_FIELDS = ("tax_id", "country_code", "street", "street2", "city", "state_region", "zip_code")


def test_mode_problem() -> str | None:
    """Why test keys cannot be made here, or None when they can."""
    config = current_app.config
    sandbox_url = (config.get("ODOO_SANDBOX_URL") or "").strip().rstrip("/")
    if not sandbox_url:
        return ("Test mode is off: set ODOO_SANDBOX_URL (and ODOO_SANDBOX_DB, ODOO_SANDBOX_LOGIN, "
                "ODOO_SANDBOX_API_KEY) to an Odoo sandbox to make test keys.")
    same_odoo = (sandbox_url == config["ODOO_URL"].strip().rstrip("/")
                 and config["ODOO_SANDBOX_DB"] == config["ODOO_DB"])
    if same_odoo:  # test invoices would land in the live books
        return "Test mode is off: ODOO_SANDBOX_URL and ODOO_SANDBOX_DB name the live Odoo."
    return None


def sandbox_twin_of(partner: Partner) -> Partner | None:
    return db.session.scalar(select(Partner).where(Partner.sandbox_of_id == partner.id))


def ensure_sandbox_twin(partner: Partner, *, actor="cli") -> Partner:
    """The partner's twin, made on first use. Its vendor and sample POs in the sandbox Odoo
    come from a job queued after the caller's commit (app/integration/sandbox_jobs.py)."""
    _check_can_have_twin(partner)
    twin = sandbox_twin_of(partner)
    if twin is not None:
        if twin.odoo_partner_id is None and not _setup_pending(twin):  # the first job failed
            outbox.publish(TWIN_TOPIC, twin, partner_id=twin.id)
        return twin
    twin = Partner(name=partner.name[:200 - len(TWIN_SUFFIX)] + TWIN_SUFFIX, is_sandbox=True,
                   sandbox_of_id=partner.id, status=PartnerStatus.APPROVED,
                   **{field: getattr(partner, field) for field in _COPIED_FIELDS})
    try:
        with db.session.begin_nested():
            db.session.add(twin)
    except IntegrityError:  # made by a concurrent request in the meantime
        twin = sandbox_twin_of(partner)
        if twin is None:
            raise
        return twin
    audit.record("sandbox.twin_created", actor=actor, partner_id=partner.id, subject=twin)
    outbox.publish(TWIN_TOPIC, twin, partner_id=twin.id)
    return twin


def partner_ids_with_twin(partner: Partner) -> list[int]:
    """The real partner's id and its twin's: an owner's key list shows (and may revoke) both
    kinds of keys, each marked by its prefix."""
    twin = sandbox_twin_of(partner)
    return [partner.id] if twin is None else [partner.id, twin.id]


def create_test_api_key(partner: Partner, scopes: list[str], name: str = "",
                        created_by: User | None = None, *, actor="cli",
                        **kwargs: Any) -> tuple[ApiKey, str]:
    """An `rbr_test_` key of `partner`'s twin (made if needed); returns it and its secret.
    The same rules as live keys apply (scopes, creator's rights, expiry...): `kwargs` go to
    create_api_key unchanged."""
    twin = ensure_sandbox_twin(partner, actor=actor)
    return create_api_key(twin.id, scopes, name=name, actor=actor, created_by=created_by, **kwargs)


def _setup_pending(twin: Partner) -> bool:
    open_states = [state for state in DeliveryState if state.is_open]
    return db.session.scalar(select(OutboxEvent.id).where(
        OutboxEvent.topic == TWIN_TOPIC, OutboxEvent.subject_id == twin.id,
        OutboxEvent.state.in_(open_states)).limit(1)) is not None


def _check_can_have_twin(partner: Partner) -> None:
    problem = test_mode_problem()
    if problem:
        raise CredentialError(problem)
    if partner.is_sandbox:
        raise CredentialError("This is already a test-mode company.")
    if not partner.is_approved:
        raise CredentialError("Test keys are available once the company is approved.")
