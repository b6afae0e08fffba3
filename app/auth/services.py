"""Local accounts: creation and password sign-in."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit import services as audit
from app.auth.models import Role, User
from app.auth.passwords import check_password_rules, hash_password, verify_password
from app.database import utcnow
from app.extensions import db
from app.partners.models import Partner


class AccountError(ValueError):
    """A user-correctable problem with account data."""


class WrongPasswordError(AccountError):
    """The current password given to confirm a change is not right."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_user(email: str, password: str | None, role: Role, partner_id: int | None = None, *,
                email_verified: bool = False, created_by: Any = "cli", federated: bool = False) -> User:
    """A new account. Pass `email_verified=True` only when the address is already proven
    (operator CLI, demo seed, an accepted invitation link); everyone else is asked to confirm
    it (app.auth.verification.send_verification_email). `created_by` is the audit actor (a
    User or a label such as "cli"); `federated=True` makes a partner user without a password
    who signs in only through an identity provider."""
    email = normalize_email(email)
    if "@" not in email or len(email) > 320:
        raise AccountError("Enter a valid e-mail address.")
    if password is None and not role.is_staff and not federated:
        raise AccountError("Only staff users can be created without a password (they sign in "
                           "through the staff single sign-on provider).")
    if password is not None:
        check_password_rules(password, email)
    if role.is_staff and partner_id is not None:
        raise AccountError("Staff users do not belong to a partner company.")
    if not role.is_staff:
        if partner_id is None:
            raise AccountError("Partner users need --partner.")
        partner = db.session.get(Partner, partner_id)
        if partner is None:
            raise AccountError(f"No partner with id {partner_id}.")
        if partner.is_sandbox:
            raise AccountError("Nobody signs in to a test-mode company; add the user to the real one.")
    if db.session.scalar(select(User).where(func.lower(User.email) == email)):
        raise AccountError("A user with this e-mail address already exists.")
    user = User(email=email, password_hash=hash_password(password) if password is not None else None,
                role=role, partner_id=partner_id,
                email_verified_at=utcnow() if email_verified else None)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", actor=created_by, partner_id=partner_id, subject=user, role=role.value)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user whose password this is; the sign-in itself is recorded by auth.sessions."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))
    if not verify_password(user.password_hash if user else None, password) or not user.is_active:
        audit.record("auth.sign_in_failed", actor=normalize_email(email)[:200],
                     partner_id=user.partner_id if user else None)
        return None
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Raises AccountError; ends every session of the user (the caller re-issues its own)."""
    if not verify_password(user.password_hash, current_password):
        raise WrongPasswordError(_("Your current password is not right."))
    check_password_rules(new_password, user.email)
    user.password_hash = hash_password(new_password)
    user.end_all_sessions()
    audit.record("auth.password_changed", actor=user, partner_id=user.partner_id, subject=user)


def active_owners(partner_id: int) -> list[User]:
    """The people who speak for a company: its active owners, oldest account first."""
    return list(db.session.scalars(select(User).where(
        User.partner_id == partner_id, User.role == Role.PARTNER_OWNER,
        User.is_active_user.is_(True)).order_by(User.id)))
