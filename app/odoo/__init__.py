"""Odoo connector. The rest of Rebar uses OdooClient and the error types only."""

from app.odoo.client import OdooClient, client_from_settings
from app.odoo.errors import (
    OdooAmbiguousError,
    OdooAuthError,
    OdooError,
    OdooPermanentError,
    OdooTransientError,
)
from app.odoo.settings import OdooSettings

__all__ = [
    "OdooAmbiguousError",
    "OdooAuthError",
    "OdooClient",
    "OdooError",
    "OdooPermanentError",
    "OdooSettings",
    "OdooTransientError",
    "client_from_settings",
]
