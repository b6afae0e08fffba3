"""Who is calling: the verified API key, resolved once per request and shared by the rate
limiter (which runs first) and the scope check."""
from __future__ import annotations

from flask import request

from app.credentials.models import ApiKey
from app.credentials.services import KeyRefused, authenticate_api_key
from app.oauth.services import ACCESS_TOKEN_PREFIX, authenticate_access_token

_UNSET = object()
_ENVIRON_KEY = "rebar.api_key"
_REFUSAL_KEY = "rebar.api_key_refusal"
_TOKEN_SCOPES_KEY = "rebar.token_scopes"


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


_CREDENTIAL_PARAMETERS = frozenset({"api_key", "apikey", "key", "access_token", "token", "client_secret"})
_CREDENTIAL_PREFIXES = ("rbr_live_", "rbr_test_", "rbr_at_")


def credential_in_url() -> bool:
    """A key or token anywhere in the query string, by name or by its prefix: URLs end up in
    logs, browser histories and proxies, so such a request is refused even if it also sends
    the header."""
    return any(name.lower() in _CREDENTIAL_PARAMETERS or value.startswith(_CREDENTIAL_PREFIXES)
               for name, value in request.args.items(multi=True))


def authenticated_key() -> ApiKey | None:
    """Cached in the WSGI environ: per request, even where tests share one app context."""
    cached = request.environ.get(_ENVIRON_KEY, _UNSET)
    if cached is _UNSET:
        token = bearer_token() or ""
        try:
            cached = (_authenticate_access_token(token) if token.startswith(ACCESS_TOKEN_PREFIX)
                      else authenticate_api_key(token))
        except KeyRefused as refused:
            request.environ[_REFUSAL_KEY] = refused
            cached = None
        request.environ[_ENVIRON_KEY] = cached
    return cached


def _authenticate_access_token(presented: str) -> ApiKey | None:
    """An OAuth access token stands for its client's row; the scopes granted to the token
    narrow the client's (see token_scopes)."""
    token = authenticate_access_token(presented)
    if token is None:
        return None
    request.environ[_TOKEN_SCOPES_KEY] = token.scope_set
    return token.api_key


def token_scopes() -> frozenset[str] | None:
    """The scopes of this request's OAuth access token; None when an API key is used."""
    return request.environ.get(_TOKEN_SCOPES_KEY)


def key_refusal() -> KeyRefused | None:
    """Why a genuine key was refused (revoked, expired, rotated out), after authenticated_key()."""
    return request.environ.get(_REFUSAL_KEY)
