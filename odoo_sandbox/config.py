"""Settings of one sandbox instance (flavour, database name, credentials)."""
from __future__ import annotations

from dataclasses import dataclass

FLAVOURS = ("19", "17")

DEFAULT_DB = "portal_test"
DEFAULT_LOGIN = "admin"
DEFAULT_PASSWORD = "admin"
DEFAULT_API_KEY = "b17792e6a7014c460d71f40f03958b746945df13"
ADMIN_UID = 2


@dataclass(frozen=True)
class SandboxConfig:
    """What a client needs to know to talk to the sandbox, and what it emulates."""

    flavour: str = "19"
    db: str = DEFAULT_DB
    login: str = DEFAULT_LOGIN
    password: str = DEFAULT_PASSWORD
    api_key: str = DEFAULT_API_KEY
    state_file: str | None = None

    def __post_init__(self) -> None:
        if self.flavour not in FLAVOURS:
            raise ValueError(f"flavour must be one of {FLAVOURS}, not {self.flavour!r}")

    @property
    def uid(self) -> int:
        return ADMIN_UID

    @property
    def version_info(self) -> list[object]:
        return [int(self.flavour), 0, 0, "final", 0, ""]

    @property
    def server_version(self) -> str:
        return f"{self.flavour}.0"
