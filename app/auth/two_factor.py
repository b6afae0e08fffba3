"""TOTP two-factor authentication with single-use recovery codes.

Required for partner owners and staff (Role.requires_two_factor) when they sign in with a
password; optional for everyone else. OpenID Connect and invitation sign-ins owe no code:
the identity provider or the mailed link already proved the user (see auth.sessions)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import delete, select

from app.audit import services as audit
from app.auth.models import RecoveryCode, User
from app.database import utcnow
from app.extensions import db
from app.parsing import whole_number

RECOVERY_CODE_COUNT = 10
# A code from the step before or after the current one is accepted (clock drift).
VALID_WINDOW = 1
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class TwoFactorError(ValueError):
    """A wrong, reused or malformed code, or a state that does not allow the action."""


def begin_enrollment(user: User) -> str:
    """The seed the user is enrolling with: kept while unconfirmed so a reload shows the same
    QR code."""
    if user.two_factor_enabled:
        raise TwoFactorError(_("Two-step verification is already on."))
    if user.totp_secret is None:
        user.totp_secret = pyotp.random_base32()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(
        name=user.email, issuer_name=f"Rebar {current_app.config['BUYER_NAME']}")


def qr_code_svg(user: User) -> Markup:
    """The enrollment QR code as inline SVG, rendered here: the seed never leaves the page."""
    svg = segno.make(provisioning_uri(user), error="m").svg_inline(
        scale=5, border=4, title="QR code", svgclass="qr-code", lineclass=None)
    return Markup(svg)


def confirm_enrollment(user: User, code: str) -> list[str]:
    """Switch two-step verification on once the user proves the app shows the right codes;
    returns fresh recovery codes to show once."""
    if user.two_factor_enabled or user.totp_secret is None:
        raise TwoFactorError(_("Start the set-up again."))
    if not _accept_totp(user, code):
        raise TwoFactorError(_("That code is not right. Enter the 6-digit code your app shows now."))
    user.totp_enabled_at = utcnow()
    audit.record("auth.two_factor_enrolled", actor=user, partner_id=user.partner_id, subject=user)
    return _new_recovery_codes(user)


def verify_second_factor(user: User, code: str) -> bool:
    """A current authenticator code (never one already used) or an unused recovery code."""
    if not user.two_factor_enabled:
        return False
    db.session.refresh(user, with_for_update=True)  # two racing requests cannot reuse one code
    if _accept_totp(user, code):
        return True
    recovery = _unused_recovery_code(user, code)
    if recovery is None:
        return False
    recovery.used_at = utcnow()
    left = len(_unused_codes(user))
    audit.record("auth.recovery_code_used", actor=user, partner_id=user.partner_id, subject=user,
                 codes_left=left)
    return True


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    if not _accept_totp(user, code):
        raise TwoFactorError(_("That code is not right. Enter the 6-digit code your app shows now."))
    audit.record("auth.recovery_codes_regenerated", actor=user, partner_id=user.partner_id, subject=user)
    return _new_recovery_codes(user)


def disable(user: User, code: str) -> None:
    """Turn two-step verification off with a fresh code; refused when the role requires it."""
    if user.role.requires_two_factor:
        raise TwoFactorError(_("Your role requires two-step verification; it cannot be turned off."))
    if not verify_second_factor(user, code):
        raise TwoFactorError(_("That code is not right. Enter the 6-digit code your app shows now."))
    _clear(user)
    audit.record("auth.two_factor_disabled", actor=user, partner_id=user.partner_id, subject=user)


def reset_for_user(admin: User, target: User) -> None:
    """A staff admin removes someone's second factor (lost phone); the user enrolls again at
    their next sign-in and every session of theirs ends."""
    _clear(target)
    target.end_all_sessions()
    audit.record("auth.two_factor_reset", actor=admin, partner_id=target.partner_id, subject=target,
                 email=target.email)


def unused_recovery_code_count(user: User) -> int:
    return len(_unused_codes(user))


def next_usable_code(user: User) -> tuple[str, int]:
    """For the development CLI only: a code the user has not used yet (also during enrollment)
    and how many seconds until it is accepted (0: now)."""
    totp = pyotp.TOTP(user.totp_secret)
    now = time.time()
    now_step = int(now) // totp.interval
    step = max(now_step, (user.totp_last_step or 0) + 1)
    wait = 0 if step <= now_step + VALID_WINDOW else int((step - VALID_WINDOW) * totp.interval - now) + 1
    return totp.generate_otp(step), wait


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def _normalize(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _accept_totp(user: User, code: str) -> bool:
    """Accepts a code once: its time step must be later than the last one used."""
    code = _normalize(code or "")
    if user.totp_secret is None or len(code) != 6 or whole_number(code, max_digits=6) is None:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now_step = int(time.time()) // totp.interval
    for step in range(now_step - VALID_WINDOW, now_step + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            return True
    return False


def _hash_recovery_code(code: str) -> str:
    return hashlib.sha256(_normalize(code).encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_random_recovery_code() for _index in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_recovery_code(code)))
    db.session.flush()
    return codes


def _random_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _index in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _unused_codes(user: User, lock: bool = False) -> list[RecoveryCode]:
    """With `lock`, two sign-ins racing with the same code cannot both use it (PostgreSQL)."""
    query = select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    return list(db.session.scalars(query.with_for_update() if lock else query))


def _unused_recovery_code(user: User, code: str) -> RecoveryCode | None:
    wanted = _hash_recovery_code(code or "")
    for candidate in _unused_codes(user, lock=True):
        if hmac.compare_digest(candidate.code_hash, wanted):
            return candidate
    return None
