from __future__ import annotations

import secrets

from app.database import utcnow
from app.extensions import db
from app.federation.models import PartnerDomain, PartnerIdentityProvider


def make_partner_domain(partner, domain: str | None = None, verified: bool = False) -> PartnerDomain:
    domain = domain or f"d{secrets.token_hex(3)}.example"
    row = PartnerDomain(partner_id=partner.id, domain=domain, dns_token=secrets.token_hex(16),
                        verified_domain=domain if verified else None,
                        verified_at=utcnow() if verified else None, verified_by="dns" if verified else None)
    db.session.add(row)
    db.session.commit()
    return row


def make_partner_idp(partner, issuer: str, client_id: str, client_secret: str, *, enabled: bool = True,
                     jit_role=None) -> PartnerIdentityProvider:
    idp = PartnerIdentityProvider(partner_id=partner.id, issuer=issuer, client_id=client_id,
                                  client_secret=client_secret, enabled=enabled, jit_role=jit_role,
                                  tested_at=utcnow() if enabled else None)
    db.session.add(idp)
    db.session.commit()
    return idp
