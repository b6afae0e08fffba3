"""Response headers that every page and API answer carries."""
from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def init_security_headers(app: Flask) -> None:
    @app.after_request
    def _harden(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if request.path.startswith("/api/") or current_user.is_authenticated:
            headers["Cache-Control"] = "no-store"
        return response
