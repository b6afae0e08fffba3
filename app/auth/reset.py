"""Forgotten passwords: a mailed link bound to the current password hash, so it dies as
soon as the password changes (including by its own use)."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from app.audit import services as audit
from app.auth.models import User
from app.auth.passwords import check_password_rules, hash_password
from app.auth.services import normalize_email
from app.auth.tokens import LinkError, fingerprint, make_token, read_token
from app.database import is_database_id, utcnow
from app.extensions import db
from app.mail.services import absolute_url, send_email

PURPOSE = "password-reset"


def request_password_reset(email: str) -> None:
    """Mail a reset link when the address belongs to an active local account; otherwise do
    nothing. Callers answer the same either way, so the form reveals no accounts."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))
    if user is None or not user.is_active or user.password_hash is None:
        return
    token = make_token(PURPOSE, {"user": user.id, "pw": fingerprint(user.password_hash)})
    send_email(user.email, "password_reset", partner_id=user.partner_id,
               reset_url=absolute_url("account.reset_password", token=token),
               minutes=current_app.config["PASSWORD_RESET_MINUTES"])
    audit.record("auth.password_reset_requested", actor=user, partner_id=user.partner_id, subject=user)


def user_for_reset_token(token: str) -> User:
    """The account a reset link is for. Raises LinkError when bad, expired or already used."""
    payload = read_token(PURPOSE, token, current_app.config["PASSWORD_RESET_MINUTES"] * 60)
    user = db.session.get(User, payload["user"]) if is_database_id(payload["user"]) else None
    if user is None or not user.is_active or user.password_hash is None \
            or payload.get("pw") != fingerprint(user.password_hash):
        raise LinkError()
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link and end every session of the account."""
    user = user_for_reset_token(token)
    check_password_rules(new_password, user.email)
    user.password_hash = hash_password(new_password)
    user.end_all_sessions()
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    audit.record("auth.password_reset", actor=user, partner_id=user.partner_id, subject=user)
    return user
