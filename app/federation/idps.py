"""A partner company's own OpenID provider, configured self-service by an owner."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import services as audit
from app.auth.models import Role, User
from app.database import utcnow
from app.extensions import db
from app.federation.models import PartnerIdentityProvider
from app.federation.oidc import public_https_problem

JIT_ROLES = (Role.PARTNER_VIEWER, Role.PARTNER_BILLING)


class IdpError(ValueError):
    """A user-correctable problem (message shown as is)."""


def idp_of(partner_id: int) -> PartnerIdentityProvider | None:
    return db.session.scalar(select(PartnerIdentityProvider)
                             .where(PartnerIdentityProvider.partner_id == partner_id))


def _check_issuer(issuer: str) -> str:
    issuer = issuer.strip().rstrip("/")
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment \
            or parts.username or parts.password:
        raise IdpError(_("Enter the issuer as a web address, e.g. https://login.example.com."))
    if current_app.config["REBAR_ENV"] == "production":
        _check_public_https(parts.scheme, parts.hostname)
    return issuer


def _check_public_https(scheme: str, host: str) -> None:
    """In production the portal fetches a partner's issuer from the server: only public https
    addresses, so an owner cannot point it at internal services."""
    problem = public_https_problem(f"{scheme}://{host}/")
    if problem == "not_https":
        raise IdpError(_("The issuer must be an https:// address."))
    if problem == "unknown_host":
        raise IdpError(_("We could not find %(host)s. Check the issuer URL.", host=host))
    if problem:
        raise IdpError(_("The issuer must be reachable on the public internet."))


def save_idp(actor: User, *, issuer: str, client_id: str, client_secret: str | None,
             jit_role: Role | None) -> PartnerIdentityProvider:
    """Changing the issuer, client or secret switches the provider off until a new test
    sign-in succeeds. The caller commits."""
    if not actor.partner.is_approved:
        raise IdpError(_("Your company can set up its own sign-in once it is approved."))
    if jit_role is not None and jit_role not in JIT_ROLES:
        raise IdpError(_("Choose Viewer or Billing."))
    issuer, client_id = _check_issuer(issuer), client_id.strip()
    idp = idp_of(actor.partner_id)
    if idp is None:
        if not client_secret:
            raise IdpError(_("Enter the client secret."))
        idp = PartnerIdentityProvider(partner_id=actor.partner_id, issuer=issuer, client_id=client_id,
                                      client_secret=client_secret, enabled=False)
        db.session.add(idp)
    elif (issuer, client_id) != (idp.issuer, idp.client_id) or client_secret:
        idp.issuer, idp.client_id = issuer, client_id
        idp.client_secret = client_secret or idp.client_secret
        idp.enabled, idp.tested_at, idp.tested_email = False, None, None
    idp.jit_role = jit_role
    idp.updated_at = utcnow()
    db.session.flush()
    audit.record("identity_provider.saved", actor=actor, partner_id=actor.partner_id, subject=idp,
                 issuer=issuer, client_id=client_id, secret_changed=bool(client_secret),
                 jit_role=jit_role.value if jit_role else None)
    return idp


def record_test_sign_in(actor: User, idp: PartnerIdentityProvider, email: str) -> None:
    idp.tested_at = utcnow()
    idp.tested_email = email or None
    audit.record("identity_provider.tested", actor=actor, partner_id=idp.partner_id, subject=idp,
                 asserted_email=email)


def set_enabled(actor: User, idp: PartnerIdentityProvider, enabled: bool) -> None:
    if enabled and not idp.partner.is_approved:
        raise IdpError(_("Your company can set up its own sign-in once it is approved."))
    if enabled and idp.tested_at is None:
        raise IdpError(_("Run a successful test sign-in before switching it on."))
    idp.enabled = enabled
    audit.record("identity_provider.enabled" if enabled else "identity_provider.disabled",
                 actor=actor, partner_id=idp.partner_id, subject=idp)
