"""Encryption at rest for secrets the portal must read back: bank details, IdP client secrets,
TOTP seeds. Passwords and API keys are hashed instead and never come through here."""
from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


class DecryptionError(RuntimeError):
    """A stored value could not be decrypted with any configured key."""


def derive_development_key(secret_key: str) -> str:
    """The embedded default: a Fernet key derived from SECRET_KEY (refused in production)."""
    digest = hashlib.sha256(b"rebar-data-encryption:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def _cipher() -> MultiFernet:
    keys = current_app.config["DATA_ENCRYPTION_KEYS"]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(plaintext: str) -> str:
    return _cipher().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError("stored secret cannot be decrypted with DATA_ENCRYPTION_KEYS") from exc


def reencrypt(token: str) -> str:
    """Re-encrypt under the first (newest) key, for key rotation."""
    return _cipher().rotate(token.encode()).decode()


class EncryptedString(TypeDecorator):
    """A text column holding Fernet ciphertext; Python code sees plain str."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect) -> str | None:
        return None if value is None else decrypt(value)
