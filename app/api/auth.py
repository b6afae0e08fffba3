"""Bearer API keys and scopes."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import g, request

from app.api.errors import problem
from app.api.identity import authenticated_key
from app.credentials.models import ApiKey
from app.credentials.services import effective_scopes


def require_scope(scope: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if "api_key" in request.args or "access_token" in request.args:
                return problem(400, "Bad Request", "Send the API key in the Authorization header, "
                               "never in the URL.")
            key = authenticated_key()
            if key is None:
                return problem(401, "Unauthorized", "Send a valid API key as 'Authorization: Bearer <key>'.",
                               headers={"WWW-Authenticate": 'Bearer realm="rebar"'})
            if not key.partner.is_approved:
                return problem(403, "Forbidden", "This company's onboarding is not approved yet; its "
                               "API keys work once Rebar staff approve it.", kind="partner-not-approved")
            if scope not in effective_scopes(key):
                return problem(403, "Forbidden", f"This API key lacks the '{scope}' scope.",
                               kind="insufficient-scope")
            g.api_key = key
            return view(*args, **kwargs)
        return wrapped
    return decorator


def current_api_key() -> ApiKey:
    return g.api_key
