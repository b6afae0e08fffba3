"""Demo data for `make run`: matches the vendors seeded in the Odoo sandbox."""
from __future__ import annotations

import base64
import hashlib

from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.services import create_user
from app.database import utcnow
from app.extensions import db
from app.partners.models import Partner
from app.partners.services import create_partner

DEMO_PASSWORD = "rebar-demo-2026"
DEMO_PARTNERS = (
    ("Acme Concrete LLC", 45, "billing@acme-concrete.example"),
    ("Brightline Electrical Inc.", 46, "billing@brightline.example"),
)
DEMO_STAFF = "ap@summit-builders.example"


def seed_demo() -> list[str]:
    lines = []
    for name, odoo_partner_id, email in DEMO_PARTNERS:
        partner = db.session.scalar(select(Partner).where(Partner.odoo_partner_id == odoo_partner_id,
                                                          Partner.is_sandbox.is_(False))) \
            or create_partner(name, odoo_partner_id, actor="demo")
        _ensure_user(email, Role.PARTNER_OWNER, partner.id)
        lines.append(f"  {name} (partner {partner.id}): {email} / {DEMO_PASSWORD}")
    _ensure_user(DEMO_STAFF, Role.STAFF_ADMIN, None)
    lines.append(f"  Staff (AP): {DEMO_STAFF} / {DEMO_PASSWORD}")
    db.session.commit()
    return lines


def _ensure_user(email: str, role: Role, partner_id: int | None) -> None:
    if db.session.scalar(select(User).where(User.email == email)) is None:
        user = create_user(email, DEMO_PASSWORD, role, partner_id, email_verified=True)
        if role.requires_two_factor:
            user.totp_secret = demo_totp_secret(email)
            user.totp_enabled_at = utcnow()


def demo_totp_secret(email: str) -> str:
    """A fixed, well-known seed per demo user, so a newcomer can add it to an app or print
    codes with `flask two-factor-code EMAIL`. Demo data never runs in production."""
    return base64.b32encode(hashlib.sha256(f"rebar-demo-totp:{email}".encode()).digest()[:20]).decode()
