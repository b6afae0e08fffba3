from __future__ import annotations

from sqlalchemy import select

from app.audit import services as audit
from app.extensions import db
from app.partners.models import Partner


class PartnerError(ValueError):
    pass


def create_partner(name: str, odoo_partner_id: int | None, *, actor="cli") -> Partner:
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise PartnerError("Give the partner a name of 1 to 200 characters.")
    if odoo_partner_id is not None:
        if odoo_partner_id <= 0:
            raise PartnerError("The Odoo partner id must be a positive number.")
        if db.session.scalar(select(Partner).where(Partner.odoo_partner_id == odoo_partner_id,
                                                   Partner.is_sandbox.is_(False))):
            raise PartnerError(f"Odoo partner {odoo_partner_id} is already linked to a partner.")
    partner = Partner(name=name, odoo_partner_id=odoo_partner_id)
    db.session.add(partner)
    db.session.flush()
    audit.record("partner.created", actor=actor, partner_id=partner.id, subject=partner,
                 odoo_partner_id=odoo_partner_id)
    return partner
