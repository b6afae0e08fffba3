"""Which OpenID providers exist: configured ones (OIDC_PROVIDERS, audience staff or
partners) and partners' own (name space `partner-<id>`, audience that partner only)."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.federation.models import PartnerDomain, PartnerIdentityProvider
from app.federation.oidc import ProviderConfig
from app.parsing import whole_number

PARTNER_PREFIX = "partner-"
AUDIENCE_PARTNER = "partner"


def configured_provider(name: str) -> ProviderConfig | None:
    settings = current_app.config["OIDC_PROVIDERS"].get(name)
    if settings is None:
        return None
    return ProviderConfig(key=name, issuer=settings["issuer"], client_id=settings["client_id"],
                          client_secret=settings["client_secret"], audience=settings["audience"],
                          label=settings.get("label") or name.capitalize())


def partner_provider(idp: PartnerIdentityProvider) -> ProviderConfig:
    return ProviderConfig(key=idp.key, issuer=idp.issuer, client_id=idp.client_id,
                          client_secret=idp.client_secret, audience=AUDIENCE_PARTNER,
                          label=idp.partner.name, partner_id=idp.partner_id, idp_id=idp.id)


def partner_idp_by_key(name: str) -> PartnerIdentityProvider | None:
    idp_id = whole_number(name.removeprefix(PARTNER_PREFIX))
    if not name.startswith(PARTNER_PREFIX) or idp_id is None:
        return None
    return db.session.get(PartnerIdentityProvider, idp_id)


def sign_in_buttons() -> list[tuple[str, str]]:
    """(name, button text) for every configured provider, shared partner ones first."""
    providers = current_app.config["OIDC_PROVIDERS"]
    ordered = sorted(providers.items(), key=lambda item: (item[1]["audience"] != "partners", item[0]))
    return [(name, _("Sign in with %(name)s", name=settings.get("label") or name.capitalize())
             if settings["audience"] == "partners"
             else _("Company staff: sign in with %(name)s", name=settings.get("label") or name.capitalize()))
            for name, settings in ordered]


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower().rstrip(".")


def idp_for_email(email: str) -> PartnerIdentityProvider | None:
    """Home-realm discovery: the enabled IdP of the partner that verified this e-mail's domain."""
    domain = email_domain(email)
    if not domain:
        return None
    return db.session.scalar(
        select(PartnerIdentityProvider)
        .join(PartnerDomain, PartnerDomain.partner_id == PartnerIdentityProvider.partner_id)
        .where(PartnerDomain.verified_domain == domain, PartnerIdentityProvider.enabled.is_(True)))


def partner_owns_email_domain(partner_id: int, email: str) -> bool:
    domain = email_domain(email)
    return bool(domain) and db.session.scalar(
        select(PartnerDomain.id).where(PartnerDomain.partner_id == partner_id,
                                       PartnerDomain.verified_domain == domain)) is not None
