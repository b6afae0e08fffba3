"""Failure injection for resilience tests (``POST /sandbox/faults``).

While a plan is set, every ``fail_every``-th Odoo protocol request fails:

- ``http500``: answered 500 with an HTML page, nothing executed (a crashed worker);
- ``serialization``: answered with Odoo's representation of
  ``psycopg2.errors.SerializationFailure`` for the protocol, nothing executed;
- ``timeout``: executed and committed, then the answer is held ``timeout_s``
  seconds (default 30) so the client times out without knowing the outcome;
- ``down``: the connection is closed without an answer, nothing executed.

``delay_s`` adds latency to every protocol request while the plan is set; a plan with
only ``delay_s`` (or ``fail_every: 0``) slows Odoo down without failing anything.
"""
from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

MODES = ("http500", "timeout", "serialization", "down")


@dataclass(frozen=True)
class FaultPlan:
    fail_every: int
    mode: str
    delay_s: float = 0.0
    timeout_s: float = 30.0

    @classmethod
    def from_json(cls, data: Any) -> "FaultPlan":
        if not isinstance(data, dict):
            raise ValueError("a JSON object is expected")
        unknown = set(data) - {"fail_every", "mode", "delay_s", "timeout_s"}
        if unknown:
            raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
        fail_every = data.get("fail_every", 1 if "mode" in data else 0)
        if isinstance(fail_every, bool) or not isinstance(fail_every, int) or fail_every < 0:
            raise ValueError("fail_every must be an integer >= 0 (0: only the delay)")
        mode = data.get("mode", "http500")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        delay_s, timeout_s = data.get("delay_s", 0.0), data.get("timeout_s", 30.0)
        for name, value in (("delay_s", delay_s), ("timeout_s", timeout_s)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{name} must be a number >= 0")
        return cls(fail_every, mode, float(delay_s), float(timeout_s))


class FaultInjector:
    """Counts protocol requests and says which one fails, and how."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plan: FaultPlan | None = None
        self._seen = 0
        self._injected = 0

    @property
    def plan(self) -> FaultPlan | None:
        return self._plan

    def configure(self, plan: FaultPlan) -> None:
        with self._lock:
            self._plan, self._seen, self._injected = plan, 0, 0

    def clear(self) -> None:
        with self._lock:
            self._plan, self._seen, self._injected = None, 0, 0

    def next_failure(self) -> str | None:
        """Count one protocol request; the failure mode if this one must fail."""
        with self._lock:
            if self._plan is None:
                return None
            self._seen += 1
            if not self._plan.fail_every or self._seen % self._plan.fail_every:
                return None
            self._injected += 1
            return self._plan.mode

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {"plan": asdict(self._plan) if self._plan else None,
                    "requests_seen": self._seen, "failures_injected": self._injected}
