"""Who is calling: the verified API key, resolved once per request and shared by the rate
limiter (which runs first) and the scope check."""
from __future__ import annotations

from flask import request

from app.credentials.models import ApiKey
from app.credentials.services import verify_api_key

_UNSET = object()
_ENVIRON_KEY = "rebar.api_key"


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authenticated_key() -> ApiKey | None:
    """Cached in the WSGI environ: per request, even where tests share one app context."""
    cached = request.environ.get(_ENVIRON_KEY, _UNSET)
    if cached is _UNSET:
        cached = verify_api_key(bearer_token() or "")
        request.environ[_ENVIRON_KEY] = cached
    return cached
