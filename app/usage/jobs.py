"""The periodic flush of the API usage counters (registered in app/integration/worker.py)."""
from __future__ import annotations

from app.extensions import db
from app.integration.jobs import in_app_context
from app.usage.services import LIVE_DAYS, flush_usage


@in_app_context
def flush_api_usage(days: int = LIVE_DAYS) -> int:
    """Idempotent: writes absolute day totals, so an overlapping or repeated run is harmless."""
    rows = flush_usage(days=days)
    db.session.commit()
    return rows
