"""Local accounts: creation and password sign-in."""
from __future__ import annotations

from sqlalchemy import func, select

from app.audit import services as audit
from app.auth.models import Role, User
from app.auth.passwords import hash_password, verify_password
from app.database import utcnow
from app.extensions import db
from app.partners.models import Partner

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A user-correctable problem with account data."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_user(email: str, password: str, role: Role, partner_id: int | None = None) -> User:
    email = normalize_email(email)
    if "@" not in email or len(email) > 320:
        raise AccountError("Enter a valid e-mail address.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.")
    if role.is_staff and partner_id is not None:
        raise AccountError("Staff users do not belong to a partner company.")
    if not role.is_staff:
        if partner_id is None:
            raise AccountError("Partner users need --partner.")
        if db.session.get(Partner, partner_id) is None:
            raise AccountError(f"No partner with id {partner_id}.")
    if db.session.scalar(select(User).where(func.lower(User.email) == email)):
        raise AccountError("A user with this e-mail address already exists.")
    user = User(email=email, password_hash=hash_password(password), role=role, partner_id=partner_id)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", actor="cli", partner_id=partner_id, subject=user, role=role.value)
    return user


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))
    if not verify_password(user.password_hash if user else None, password) or not user.is_active:
        audit.record("auth.sign_in_failed", actor=normalize_email(email)[:200],
                     partner_id=user.partner_id if user else None)
        return None
    user.last_login_at = utcnow()
    audit.record("auth.signed_in", actor=user, partner_id=user.partner_id, subject=user)
    return user
