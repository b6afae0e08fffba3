"""/api/v1: the machine API. Authenticated by API key; errors as RFC 9457 problem+json."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import errors, invoices, openapi, profile, purchase_orders  # noqa: E402,F401
from app.api.ratelimits import apply_rate_limits  # noqa: E402

apply_rate_limits(bp)
