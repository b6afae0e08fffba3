"""Small builders for test data."""
from __future__ import annotations

import io
from datetime import datetime, timezone
from decimal import Decimal

import pyotp
from pypdf import PdfWriter
from sqlalchemy import update

from app.auth.models import Role, User
from app.auth.services import create_user
from app.credentials.services import create_api_key
from app.extensions import db
from app.partners.services import create_partner
from app.purchasing.models import PurchaseOrder, PurchaseOrderLine

PASSWORD = "correct horse battery"
# Owners and staff must use two-step verification: make_user enrolls them with this seed.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def pdf_bytes(text: str = "Invoice") -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": text})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def make_partner(name: str = "Acme Concrete LLC", odoo_partner_id: int = 45):
    partner = create_partner(name, odoo_partner_id)
    db.session.commit()
    return partner


def make_user(partner=None, email: str | None = None, role: Role = Role.PARTNER_OWNER):
    email = email or f"user{db.session.info.setdefault('n', 0) + 1}-{id(partner)}@example.com"
    db.session.info["n"] = db.session.info.get("n", 0) + 1
    user = create_user(email, PASSWORD, role, partner.id if partner else None, email_verified=True)
    if role.requires_two_factor:
        enroll_two_factor(user)
    db.session.commit()
    return user


def enroll_two_factor(user, secret: str = TOTP_SECRET) -> None:
    user.totp_secret = secret
    user.totp_enabled_at = datetime.now(timezone.utc)


def totp_code(user=None, secret: str = TOTP_SECRET, email: str | None = None) -> str:
    """A code the portal accepts now: forgets the last used step so that tests may sign the
    same user in several times within one 30-second window (the replay guard is tested alone)."""
    if user is not None or email is not None:
        forget_last_code(email or user.email)
    return pyotp.TOTP(secret).now()


def forget_last_code(email: str) -> None:
    db.session.execute(update(User).where(User.email == email).values(totp_last_step=None))
    db.session.commit()


def make_api_key(partner, scopes=("purchase_orders:read", "invoices:read", "invoices:write")) -> str:
    _, secret = create_api_key(partner.id, list(scopes))
    db.session.commit()
    return secret


def make_purchase_order(partner, *, odoo_id: int = 13, number: str = "P00013", state: str = "confirmed",
                        lines=((27, "Concrete pour (m3) - level 1", "40", "0", "135"),
                               (28, "Concrete pour (m3) - level 2", "25", "0", "140")),
                        currency: str = "USD", company: tuple[int, str] = (1, "Summit Builders Inc.")):
    order = PurchaseOrder(partner_id=partner.id, odoo_id=odoo_id, number=number, state=state,
                          buyer_company_odoo_id=company[0], buyer_company_name=company[1],
                          currency_code=currency, currency_odoo_id=1,
                          ordered_at=datetime(2026, 12, 1, tzinfo=timezone.utc),
                          amount_untaxed=Decimal("8900"), amount_total=Decimal("10235"))
    for sequence, (line_odoo_id, description, qty, billed, price) in enumerate(lines):
        order.lines.append(PurchaseOrderLine(
            odoo_id=line_odoo_id, sequence=sequence, description=description, odoo_product_id=57,
            quantity=Decimal(qty), quantity_received=Decimal(0), quantity_billed=Decimal(billed),
            unit_price=Decimal(price), odoo_tax_ids=[2]))
    db.session.add(order)
    db.session.commit()
    return order


def login(client, user, password: str = PASSWORD, remember: bool = False):
    """Sign in through the real forms, with the code step when the user has two-step on."""
    data = {"email": user.email, "password": password}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    if response.headers["Location"].endswith("/login/two-step"):
        response = client.post("/login/two-step", data={"code": totp_code(user)})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client
