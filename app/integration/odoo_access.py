"""How jobs reach Odoo: one client per job, the server version remembered across jobs, and
every call reported to the circuit breaker."""
from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app

from app.integration.breaker import OdooCircuitBreaker
from app.integration.queue import get_redis
from app.odoo.client import OdooClient
from app.odoo.errors import OdooPermanentError, OdooTransientError
from app.odoo.settings import OdooSettings
from app.odoo.transport import Transport, make_transport
from app.partners.models import Partner

VERSION_TTL_SECONDS = 3600
SANDBOX_BREAKER = "odoo-sandbox"


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
    """The live Odoo (ODOO_URL)."""
    return _client(OdooSettings.from_mapping(current_app.config), breaker or OdooCircuitBreaker())


def odoo_client_for(partner: Partner, breaker: OdooCircuitBreaker | None = None) -> OdooClient:
    """The Odoo that holds `partner`'s books: the sandbox for a test-mode twin, else the live one."""
    if not partner.is_sandbox:
        return odoo_client(breaker)
    client = _client(sandbox_settings(), breaker or sandbox_breaker())
    client.is_sandbox = True
    return client


def breaker_for(partner: Partner | None) -> OdooCircuitBreaker:
    """Sandbox failures have their own breaker, so a down sandbox never pauses live pushes."""
    return sandbox_breaker() if partner is not None and partner.is_sandbox else OdooCircuitBreaker()


def sandbox_breaker() -> OdooCircuitBreaker:
    return OdooCircuitBreaker(name=SANDBOX_BREAKER)


def sandbox_settings() -> OdooSettings:
    config = current_app.config
    if not config.get("ODOO_SANDBOX_URL"):
        raise OdooPermanentError("Test mode is off: ODOO_SANDBOX_URL is not set.")
    return OdooSettings.from_mapping({
        "ODOO_URL": config["ODOO_SANDBOX_URL"], "ODOO_DB": config["ODOO_SANDBOX_DB"],
        "ODOO_LOGIN": config["ODOO_SANDBOX_LOGIN"], "ODOO_API_KEY": config["ODOO_SANDBOX_API_KEY"],
        "ODOO_PROTOCOL": config["ODOO_SANDBOX_PROTOCOL"], "ODOO_TIMEOUT": config["ODOO_TIMEOUT"]})


def _client(settings: OdooSettings, breaker: OdooCircuitBreaker) -> OdooClient:
    """RQ forks a fresh process per job, so the detected version is kept in Redis: without it
    every job would start with an extra `common.version()` call."""
    redis = get_redis()
    cached = redis.get(_version_key(settings))
    known = tuple(int(part) for part in cached.decode().split(".")) if cached else None
    transport = make_transport(settings, known)
    if known is None:
        version = transport.server_version()
        redis.set(_version_key(settings), f"{version[0]}.{version[1]}", ex=VERSION_TTL_SECONDS)
    return OdooClient(BreakerReportingTransport(transport, breaker))

