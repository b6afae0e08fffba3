"""/api/v1: the machine API. Authenticated by API key; errors as RFC 9457 problem+json."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import errors, invoices, purchase_orders  # noqa: E402,F401
