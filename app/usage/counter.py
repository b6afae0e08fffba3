"""The hot path: count each /api/v1 call made with a verified credential, in Redis.

One hash per UTC day (`rebar:<queue>:api-usage:<YYYY-MM-DD>`) with the fields
`<key id>:r` (requests), `<key id>:c` (4xx) and `<key id>:s` (5xx); one pipelined round trip
per request. Counting is best effort: a Redis outage never fails an API request, it only
loses the counts until Redis answers again."""
from __future__ import annotations

import logging
import time
from datetime import date, datetime, timezone

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import inspect

from app.credentials.models import ApiKey

log = logging.getLogger("rebar.api_usage")

COUNTER_TTL_SECONDS = 35 * 24 * 3600
REQUESTS, CLIENT_ERRORS, SERVER_ERRORS = "r", "c", "s"
# After a failure, skip counting for a while rather than make every request wait on a
# dead Redis (connect timeouts add up).
OUTAGE_BACKOFF_SECONDS = 30.0
_EXTENSION = "rebar.api_usage"


class _CounterState:
    def __init__(self, redis: Redis):
        self.redis = redis
        self.paused_until = 0.0


def usage_key(day: date) -> str:
    return f"rebar:{current_app.config['RQ_QUEUE']}:api-usage:{day.isoformat()}"


def utc_today() -> date:
    return datetime.now(timezone.utc).date()


def usage_redis(app: Flask | None = None) -> Redis:
    """One client (and connection pool) per app, with short timeouts: this is on the request path."""
    return _state(app or current_app._get_current_object()).redis


def _state(app: Flask) -> _CounterState:
    state = app.extensions.get(_EXTENSION)
    if state is None:
        state = _CounterState(Redis.from_url(app.config["REDIS_URL"], socket_timeout=0.5,
                                             socket_connect_timeout=0.5))
        app.extensions[_EXTENSION] = state
    return state


def count_api_request(key: ApiKey | None, status: int) -> None:
    """Called by the api blueprint's after_request hook; never raises for Redis trouble."""
    if key is None:
        return
    state = _state(current_app._get_current_object())
    if state.paused_until and time.monotonic() < state.paused_until:
        return
    key_id = _row_id(key)
    try:
        pipe = state.redis.pipeline(transaction=False)
        name = usage_key(utc_today())
        pipe.hincrby(name, f"{key_id}:{REQUESTS}", 1)
        if status >= 400:
            pipe.hincrby(name, f"{key_id}:{CLIENT_ERRORS if status < 500 else SERVER_ERRORS}", 1)
        pipe.expire(name, COUNTER_TTL_SECONDS)
        pipe.execute()
    except RedisError as exc:
        state.paused_until = time.monotonic() + OUTAGE_BACKOFF_SECONDS
        log.warning("API usage not counted for %.0f s: Redis is unavailable (%s)",
                    OUTAGE_BACKOFF_SECONDS, type(exc).__name__)
        return
    if state.paused_until:
        state.paused_until = 0.0
        log.info("API usage counting resumed")


def _row_id(key) -> int:
    """The id from the identity map: after a commit the row is expired, and `key.id` would
    reload it with a query (or fail, if the request's transaction went wrong)."""
    identity = inspect(key).identity
    return identity[0] if identity else key.id
