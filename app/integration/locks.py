"""Redis locks for jobs that must not run side by side (one push per Odoo company, one vendor
creation per VAT)."""
from __future__ import annotations

import logging
import threading

from flask import current_app

from app.integration.queue import get_redis

log = logging.getLogger(__name__)


class LockBusy(RuntimeError):
    """Another worker holds the lock; the job retries shortly."""


class RenewedLock:
    """Held for one job run and renewed while the holder lives: if the worker is killed, the
    lock frees itself within PUSH_LOCK_SECONDS instead of blocking the work for long."""

    def __init__(self, name: str):
        self._name = name
        self._ttl = current_app.config["PUSH_LOCK_SECONDS"]
        self._lock = get_redis().lock(name, timeout=self._ttl, blocking_timeout=min(10, self._ttl))
        self._stop = threading.Event()
        self._renewer = threading.Thread(target=self._renew, daemon=True)

    def _renew(self) -> None:
        while not self._stop.wait(self._ttl / 3):
            try:
                self._lock.reacquire()
            except Exception:
                log.warning("could not renew the lock %s", self._name)
                return

    def __enter__(self):
        if not self._lock.acquire():
            raise LockBusy(f"another worker holds {self._name}")
        self._renewer.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._renewer.join()
        try:
            self._lock.release()
        except Exception:
            log.warning("lock %s expired before release", self._name)


def worker_lock(key: str) -> RenewedLock:
    """The lock named `key` within this deployment's queue namespace."""
    return RenewedLock(f"rebar:{current_app.config['RQ_QUEUE']}:lock:{key}")
