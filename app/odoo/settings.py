"""Where and how to reach Odoo, read from a Flask config or the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PROTOCOLS = ("json2", "xmlrpc", "auto")
DEFAULT_TIMEOUT = 15.0
_REQUIRED_KEYS = ("ODOO_URL", "ODOO_DB", "ODOO_LOGIN", "ODOO_API_KEY")


@dataclass(frozen=True)
class OdooSettings:
    """Connection settings. The API key is left out of repr() so it never reaches a log."""

    url: str
    db: str
    login: str
    api_key: str = field(repr=False)
    protocol: str = "auto"  # json2 | xmlrpc | auto
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"ODOO_PROTOCOL must be one of {', '.join(PROTOCOLS)}")
        if self.timeout <= 0:
            raise ValueError("ODOO_TIMEOUT must be a positive number of seconds")

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> OdooSettings:
        """Build from ODOO_URL, ODOO_DB, ODOO_LOGIN, ODOO_API_KEY, ODOO_PROTOCOL, ODOO_TIMEOUT."""
        missing = [key for key in _REQUIRED_KEYS if not mapping.get(key)]
        if missing:
            raise ValueError(f"missing Odoo settings: {', '.join(missing)}")
        return cls(
            url=str(mapping["ODOO_URL"]).strip().rstrip("/"),
            db=str(mapping["ODOO_DB"]).strip(),
            login=str(mapping["ODOO_LOGIN"]).strip(),
            api_key=str(mapping["ODOO_API_KEY"]).strip(),
            protocol=str(mapping.get("ODOO_PROTOCOL") or "auto").strip().lower(),
            timeout=float(mapping.get("ODOO_TIMEOUT") or DEFAULT_TIMEOUT),
        )
