"""JSON logs that carry one correlation id from the web request into jobs and Odoo."""
from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import uuid
from datetime import datetime, timezone

from flask import Flask, g, request

_correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None)
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_correlation_id() -> str | None:
    return _correlation_id.get()


def set_correlation_id(value: str | None) -> contextvars.Token:
    return _correlation_id.set(value)


def new_correlation_id() -> str:
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": current_correlation_id(),
        }
        for key in ("job_id", "outbox_id", "user_id", "partner_id"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(app: Flask) -> None:
    """One handler on the "rebar" logger per process; tests leave logging to pytest."""
    root = logging.getLogger("rebar")
    if app.config.get("TESTING") or getattr(root, "_rebar_configured", False):
        return
    handler = logging.StreamHandler(sys.stderr)
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    root.propagate = False
    root._rebar_configured = True  # type: ignore[attr-defined]


def init_request_ids(app: Flask) -> None:
    """Accept a well-formed X-Request-ID from the edge or mint one; echo it back."""

    @app.before_request
    def _assign_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID_RE.match(incoming) else new_correlation_id()
        g.correlation_token = set_correlation_id(g.request_id)

    @app.after_request
    def _echo_request_id(response):
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response

    @app.teardown_request
    def _clear_request_id(_exc) -> None:
        token = g.pop("correlation_token", None)
        if token is not None:
            _correlation_id.reset(token)
