"""API usage per credential: live counters in Redis, daily totals in `api_usage_daily`."""
