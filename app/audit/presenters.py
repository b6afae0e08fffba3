"""Audit entries in plain words: what happened, in which area, with readable details."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from app.audit.models import AuditEntry
from app.i18n import human_datetime

# area key (URL value) → (label, action prefixes it covers)
AREAS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "auth": (_l("Sign-in and security"), ("auth.",)),
    "user": (_l("Users and roles"), ("user.",)),
    "invitation": (_l("Invitations"), ("invitation.",)),
    "onboarding": (_l("Registration and review"), ("onboarding.", "partner.")),
    "bank": (_l("Bank details"), ("bank_change.", "odoo.bank_account_added")),
    "api_key": (_l("API credentials"), ("api_key.", "oauth_client.", "oauth_token.")),
    "idp": (_l("Sign-in settings"), ("identity_provider.", "domain.")),
    "invoice": (_l("Invoices"), ("invoice.",)),
    "delivery": (_l("Odoo sync"), ("odoo.", "outbox.", "sandbox.")),
}

ACTIONS = {
    "auth.signed_in": _l("Signed in"), "auth.sign_in_failed": _l("Sign-in failed"),
    "auth.email_verified": _l("E-mail address confirmed"), "auth.identity_linked": _l("Sign-in provider linked"),
    "auth.password_changed": _l("Password changed"), "auth.password_reset": _l("Password reset"),
    "auth.password_reset_requested": _l("Password reset requested"),
    "auth.recovery_code_used": _l("Recovery code used"),
    "auth.recovery_codes_regenerated": _l("New recovery codes made"),
    "auth.two_factor_enrolled": _l("Two-step verification turned on"),
    "auth.two_factor_disabled": _l("Two-step verification turned off"),
    "auth.two_factor_failed": _l("Wrong two-step code"), "auth.two_factor_reset": _l("Two-step verification reset"),
    "user.created": _l("User created"), "user.deactivated": _l("User deactivated"),
    "user.reactivated": _l("User reactivated"), "user.role_changed": _l("Role changed"),
    "invitation.sent": _l("Invitation sent"), "invitation.resent": _l("Invitation sent again"),
    "invitation.revoked": _l("Invitation withdrawn"), "invitation.accepted": _l("Invitation accepted"),
    "onboarding.registered": _l("Company registered"), "onboarding.company_saved": _l("Company details saved"),
    "onboarding.bank_saved": _l("Bank account saved"), "onboarding.document_added": _l("Document uploaded"),
    "onboarding.submitted": _l("Application submitted"), "onboarding.approved": _l("Application approved"),
    "onboarding.rejected": _l("Application rejected"), "onboarding.changes_requested": _l("Changes requested"),
    "partner.created": _l("Company created"), "partner.api_rate_limit_changed": _l("API rate limit changed"),
    "bank_change.requested": _l("Bank change requested"), "bank_change.first_approval": _l("Bank change: first approval"),
    "bank_change.activated": _l("Bank change approved and active"), "bank_change.rejected": _l("Bank change rejected"),
    "bank_change.reauth_failed": _l("Bank change: identity check failed"),
    "odoo.bank_account_added": _l("Bank account added in Odoo"), "odoo.vendor_created": _l("Vendor created in Odoo"),
    "odoo.vendor_linked": _l("Linked to the existing Odoo vendor"),
    "api_key.created": _l("API key created"), "api_key.revoked": _l("API key revoked"),
    "api_key.rotated": _l("API key rotated"), "api_key.limited": _l("API key restricted"),
    "oauth_client.created": _l("OAuth client registered"), "oauth_client.revoked": _l("OAuth client revoked"),
    "oauth_token.revoked": _l("OAuth token revoked"),
    "identity_provider.saved": _l("Sign-in provider saved"), "identity_provider.tested": _l("Sign-in provider tested"),
    "identity_provider.enabled": _l("Sign-in provider switched on"),
    "domain.added": _l("Domain added"), "domain.removed": _l("Domain removed"),
    "domain.verification_sent": _l("Domain confirmation link sent"), "domain.verified": _l("Domain verified"),
    "invoice.submitted": _l("Invoice submitted"), "invoice.cancelled": _l("Invoice withdrawn"),
    "invoice.status_changed": _l("Invoice status changed"),
    "outbox.retried": _l("Delivery retried by staff"), "outbox.cancelled": _l("Delivery cancelled by staff"),
    "sandbox.twin_created": _l("Test-mode company created"), "sandbox.vendor_linked": _l("Test-mode vendor linked"),
}

ROLE_NAMES = {"partner_owner": _l("Owner"), "partner_billing": _l("Billing"), "partner_viewer": _l("Viewer"),
              "staff_admin": _l("Staff admin"), "staff_reviewer": _l("Staff reviewer")}


def area_prefixes(area: str) -> tuple[str, ...]:
    return AREAS[area][1]


def action_label(entry: AuditEntry) -> str:
    return str(ACTIONS.get(entry.action, entry.action.replace("_", " ").replace(".", ": ").capitalize()))


def readable_details(entry: AuditEntry) -> list[tuple[str, str]]:
    """Detail pairs with words for keys, role names and times, for the log page."""
    return [(key.replace("_", " ").capitalize(), _readable(value)) for key, value in (entry.details or {}).items()]


def _readable(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if isinstance(value, str):
        if value in ROLE_NAMES:
            return str(ROLE_NAMES[value])
        try:
            return human_datetime(datetime.fromisoformat(value)) if "T" in value else value
        except ValueError:
            return value
    return str(value)
