"""Password hashing and the one set of password rules used wherever a password is set."""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
# zxcvbn scores 0–4; below 3 the password falls to an offline guessing attack in hours.
MIN_STRENGTH_SCORE = 3

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("rebar-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """The 30,000 most common leaked passwords, shipped offline inside the zxcvbn package."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS
    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password_rules(password: str, email: str | None = None) -> None:
    """Raise AccountError with a message for the user when `password` may not be used."""
    from app.auth.services import AccountError

    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("Use a password of at least %(count)d characters.", count=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(_("Use a password of at most %(count)d characters.", count=MAX_PASSWORD_LENGTH))
    lowered = password.strip().lower()
    if email and (lowered == email.strip().lower() or lowered == email.strip().lower().partition("@")[0]):
        raise AccountError(_("Do not use your e-mail address as your password."))
    if lowered in _common_passwords() or _strength(password, email) < MIN_STRENGTH_SCORE:
        raise AccountError(_("This password is too common or too easy to guess. "
                             "Try a few unrelated words together."))


def _strength(password: str, email: str | None) -> int:
    from zxcvbn import zxcvbn
    hints = [email, email.partition("@")[0]] if email else []
    return zxcvbn(password, user_inputs=hints)["score"]
