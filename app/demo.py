"""Demo data for `make run`: matches the vendors seeded in the Odoo sandbox."""
from __future__ import annotations

import base64
import hashlib

from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.services import create_user
from app.database import utcnow
from app.extensions import db
from app.partners.models import BankAccountStatus, Partner, PartnerBankAccount
from app.partners.services import create_partner

DEMO_PASSWORD = "rebar-demo-2026"
DEMO_PARTNERS = (
    ("Acme Concrete LLC", 45, "billing@acme-concrete.example"),
    ("Brightline Electrical Inc.", 46, "billing@brightline.example"),
)
# Profiles as the Odoo sandbox knows these vendors (VAT, address), plus a remit-to account.
DEMO_PROFILES = {
    45: {"country_code": "US", "tax_id": "84-1234567", "street": "1200 Quarry Rd", "city": "Golden",
         "state_region": "CO", "zip_code": "80401", "trades": ["concrete"],
         "contacts": [{"role": "accounts_payable", "name": "Dana Ortiz", "email": "dana.ortiz@acme-concrete.example",
                       "phone": "+1 303 555 0145"}],
         "bank": ("Acme Concrete LLC", "First Western Bank", "021000021", "4000123456789")},
    46: {"country_code": "US", "tax_id": "84-7654321", "street": "88 Dynamo Ave", "city": "Aurora",
         "state_region": "CO", "zip_code": "80012", "trades": ["electrical"],
         "contacts": [{"role": "accounts_payable", "name": "Sam Lee", "email": "ar@brightline-electric.example",
                       "phone": ""}],
         "bank": ("Brightline Electrical Inc.", "Front Range Credit Union", "102000021", "7700112233")},
}
DEMO_STAFF = "ap@summit-builders.example"


def seed_demo() -> list[str]:
    lines = []
    for name, odoo_partner_id, email in DEMO_PARTNERS:
        partner = db.session.scalar(select(Partner).where(Partner.odoo_partner_id == odoo_partner_id,
                                                          Partner.is_sandbox.is_(False))) \
            or create_partner(name, odoo_partner_id, actor="demo")
        _complete_profile(partner, DEMO_PROFILES[odoo_partner_id])
        _ensure_user(email, Role.PARTNER_OWNER, partner.id)
        lines.append(f"  {name} (partner {partner.id}), owner: {email} / {DEMO_PASSWORD}")
    _ensure_user(DEMO_STAFF, Role.STAFF_ADMIN, None)
    lines.append(f"  Staff (AP): {DEMO_STAFF} / {DEMO_PASSWORD}")
    db.session.commit()
    return lines


def _complete_profile(partner: Partner, profile: dict) -> None:
    if partner.tax_id is None:
        for field, value in profile.items():
            if field != "bank":
                setattr(partner, field, value)
        partner.contact_email = profile["contacts"][0]["email"]
    if not partner.bank_accounts:
        holder, bank_name, routing, number = profile["bank"]
        partner.bank_accounts.append(PartnerBankAccount(
            status=BankAccountStatus.ACTIVE, account_holder=holder, bank_name=bank_name, country_code="US",
            account_number=number, routing_number=routing, last4=number[-4:], activated_at=utcnow()))


def _ensure_user(email: str, role: Role, partner_id: int | None) -> None:
    if db.session.scalar(select(User).where(User.email == email)) is None:
        user = create_user(email, DEMO_PASSWORD, role, partner_id, email_verified=True, created_by="demo")
        if role.requires_two_factor:
            user.totp_secret = demo_totp_secret(email)
            user.totp_enabled_at = utcnow()


def demo_totp_secret(email: str) -> str:
    """A fixed, well-known seed per demo user, so a newcomer can add it to an app or print
    codes with `flask two-factor-code EMAIL`. Demo data never runs in production."""
    return base64.b32encode(hashlib.sha256(f"rebar-demo-totp:{email}".encode()).digest()[:20]).decode()
