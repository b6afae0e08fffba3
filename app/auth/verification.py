"""E-mail address verification for local accounts.

An unverified user may sign in but sees only the "check your inbox" page (resend, sign out)
until the link is followed: app.account.routes.enforce_account_state enforces it on every
request. Users made by the CLI, the demo seed or an accepted invitation are verified at
creation (create_user(..., email_verified=True))."""
from __future__ import annotations

from flask import current_app

from app.audit import services as audit
from app.auth.models import User
from app.auth.tokens import LinkError, fingerprint, make_token, read_token
from app.database import is_database_id, utcnow
from app.extensions import db
from app.mail.services import absolute_url, send_email

PURPOSE = "email-verification"


def send_verification_email(user: User) -> None:
    """Mail `user` a link that confirms their address; valid for EMAIL_VERIFICATION_HOURS."""
    token = make_token(PURPOSE, {"user": user.id, "email": fingerprint(user.email)})
    send_email(user.email, "verify_email", partner_id=user.partner_id,
               verify_url=absolute_url("account.verify_email", token=token),
               hours=current_app.config["EMAIL_VERIFICATION_HOURS"])


def confirm_email(token: str) -> User:
    """Mark the address verified. Raises LinkError for a bad, expired or already used link."""
    payload = read_token(PURPOSE, token, current_app.config["EMAIL_VERIFICATION_HOURS"] * 3600)
    user = db.session.get(User, payload["user"]) if is_database_id(payload["user"]) else None
    if user is None or not user.is_active or payload.get("email") != fingerprint(user.email):
        raise LinkError()
    if user.email_verified_at is not None:
        raise LinkError()
    user.email_verified_at = utcnow()
    audit.record("auth.email_verified", actor=user, partner_id=user.partner_id, subject=user)
    return user
