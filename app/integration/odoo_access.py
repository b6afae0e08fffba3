"""How jobs reach Odoo: one client per job, the server version remembered across jobs, and
every call reported to the circuit breaker."""
from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app

from app.integration.breaker import OdooCircuitBreaker
from app.integration.queue import get_redis
from app.odoo.client import OdooClient
from app.odoo.errors import OdooTransientError
from app.odoo.settings import OdooSettings
from app.odoo.transport import Transport, make_transport

VERSION_TTL_SECONDS = 3600


class BreakerReportingTransport:
    """Each answer from Odoo closes the breaker; each transient failure counts toward opening
    it. Counting calls, not whole pushes, keeps a mostly healthy Odoo from tripping it."""

    def __init__(self, inner: Transport, breaker: OdooCircuitBreaker):
        self._inner = inner
        self._breaker = breaker

    def call(self, *args: Any, **kwargs: Any) -> Any:
        try:
            result = self._inner.call(*args, **kwargs)
        except OdooTransientError as exc:
            self._breaker.record_failure(exc.message)
            raise
        self._breaker.record_success()
        return result

    def server_version(self) -> tuple[int, int]:
        return self._inner.server_version()


def _version_key(settings: OdooSettings) -> str:
    target = hashlib.sha1(f"{settings.url}|{settings.db}".encode()).hexdigest()[:12]
    return f"rebar:{current_app.config['RQ_QUEUE']}:odoo-version:{target}"


def odoo_client(breaker: OdooCircuitBreaker | None = None) -> OdooClient:
    """RQ forks a fresh process per job, so the detected version is kept in Redis: without it
    every job would start with an extra `common.version()` call."""
    settings = OdooSettings.from_mapping(current_app.config)
    redis = get_redis()
    cached = redis.get(_version_key(settings))
    known = tuple(int(part) for part in cached.decode().split(".")) if cached else None
    transport = make_transport(settings, known)
    if known is None:
        version = transport.server_version()
        redis.set(_version_key(settings), f"{version[0]}.{version[1]}", ex=VERSION_TTL_SECONDS)
    return OdooClient(BreakerReportingTransport(transport, breaker or OdooCircuitBreaker()))

