"""/api/v1: the machine API. Authenticated by API key; errors as RFC 9457 problem+json."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import errors, invoices, openapi, profile, purchase_orders  # noqa: E402,F401
from app.api.ratelimits import apply_rate_limits  # noqa: E402

apply_rate_limits(bp)


from app.api.identity import authenticated_key  # noqa: E402
from app.usage.counter import count_api_request  # noqa: E402


@bp.after_request
def count_usage(response):
    """Every call made with a verified credential counts towards its usage (best effort)."""
    count_api_request(authenticated_key(), response.status_code)
    return response
