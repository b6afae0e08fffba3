"""Bearer API keys and scopes."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import g, request

from app.api.errors import problem
from app.api.identity import credential_in_url, authenticated_key, key_refusal, token_scopes
from app.credentials.models import ApiKey
from app.credentials.policy import network_refusal, record_key_use
from app.credentials.services import effective_scopes


def require_scope(scope: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if credential_in_url():
                return problem(400, "Bad Request", "Send the API key in the Authorization header, "
                               "never in the URL.")
            key = authenticated_key()
            if key is None:
                refused = key_refusal()
                return problem(401, "Unauthorized",
                               refused.detail if refused else "Send a valid API key as 'Authorization: Bearer <key>'.",
                               kind=refused.kind if refused else None,
                               headers={"WWW-Authenticate": 'Bearer realm="rebar"'})
            refused_network = network_refusal(key, request.remote_addr)
            if refused_network:
                return problem(403, "Forbidden", refused_network, kind="ip-not-allowed")
            if not (key.partner.is_approved and key.partner.real_company.is_approved):
                return problem(403, "Forbidden", "This company's onboarding is not approved yet; its "
                               "API keys work once Rebar staff approve it.", kind="partner-not-approved")
            if scope not in effective_scopes(key):
                return problem(403, "Forbidden", f"This API key lacks the '{scope}' scope.",
                               kind="insufficient-scope")
            granted = token_scopes()
            if granted is not None and scope not in granted:
                return problem(403, "Forbidden", f"This access token was not granted the '{scope}' "
                               "scope; ask /oauth/token for it.", kind="insufficient-scope")
            record_key_use(key, request.remote_addr)
            g.api_key = key
            return view(*args, **kwargs)
        return wrapped
    return decorator


def current_api_key() -> ApiKey:
    return g.api_key
