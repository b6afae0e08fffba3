"""Circuit breaker for Odoo: after repeated transient failures, stop calling it for a while.

State lives in Redis so every worker agrees; losing it only means the breaker starts closed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from redis import Redis

from app.database import utcnow
from app.integration.queue import get_redis


@dataclass(frozen=True)
class BreakerState:
    is_open: bool
    since: datetime | None
    retry_at: datetime | None
    last_error: str | None


class OdooCircuitBreaker:
    def __init__(self, redis: Redis | None = None, name: str = "odoo"):
        self._redis = redis or get_redis()
        self._key = f"rebar:{current_app.config['RQ_QUEUE']}:breaker:{name}"
        self._threshold = current_app.config["BREAKER_FAILURE_THRESHOLD"]
        self._cooldown = current_app.config["BREAKER_COOLDOWN_SECONDS"]

    def state(self) -> BreakerState:
        raw = {k.decode(): v.decode() for k, v in self._redis.hgetall(self._key).items()}
        open_until = _parse(raw.get("open_until"))
        return BreakerState(is_open=open_until is not None, since=_parse(raw.get("opened_at")),
                            retry_at=open_until, last_error=raw.get("last_error"))

    def allow(self) -> bool:
        """Closed: yes. Open: no, until the cool-down ends; then one caller at a time probes."""
        state = self.state()
        if not state.is_open:
            return True
        if utcnow() < state.retry_at:
            return False
        return bool(self._redis.set(f"{self._key}:probe", "1", nx=True, ex=max(1, int(self._cooldown))))

    def record_success(self) -> None:
        self._redis.delete(self._key, f"{self._key}:probe")

    def record_failure(self, reason: str) -> None:
        failures = self._redis.hincrby(self._key, "failures", 1)
        now = utcnow()
        self._redis.hset(self._key, mapping={"last_error": reason[:500]})
        if failures >= self._threshold:
            self._redis.hsetnx(self._key, "opened_at", now.isoformat())
            self._redis.hset(self._key, "open_until",
                             (now + timedelta(seconds=self._cooldown)).isoformat())
            self._redis.delete(f"{self._key}:probe")


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(timezone.utc) if value else None
