"""The OpenID Connect relying party, built on Authlib's Flask client: discovery, the
authorization code flow with PKCE (S256), state and nonce, and ID token checks (signature
by the provider's JWKS, iss, aud, exp/iat with a configurable leeway, nonce used once)."""
from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from flask import current_app, session
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

SCOPE = "openid email profile"
# Discovery addresses the server itself calls during a flow.
SERVER_SIDE_ENDPOINTS = ("token_endpoint", "jwks_uri", "userinfo_endpoint")


@dataclass(frozen=True)
class ProviderConfig:
    """One OpenID provider as the routes see it, whether configured or a partner's own."""

    key: str
    issuer: str
    client_id: str
    client_secret: str
    audience: str
    label: str
    partner_id: int | None = None
    idp_id: int | None = None


class FlowError(Exception):
    """A federated sign-in that cannot go on; `reason` picks the message shown."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class _ExpiringFlowStore(FlaskIntegration):
    """Authlib keeps state, nonce and PKCE verifier in the session; this also enforces the
    flow's lifetime, which Authlib's session store records but does not check."""

    def get_state_data(self, store, state):
        entry = store.get(f"_state_{self.name}_{state}") if state else None
        if not entry or entry.get("exp", 0) < time.time():
            return None
        return entry.get("data")


def _client(provider: ProviderConfig) -> FlaskOAuth2App:
    framework = _ExpiringFlowStore(provider.key)
    framework.expires_in = current_app.config["OIDC_FLOW_SECONDS"]
    return FlaskOAuth2App(
        framework, name=provider.key, client_id=provider.client_id,
        client_secret=provider.client_secret,
        server_metadata_url=provider.issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256",
                       "default_timeout": current_app.config["OIDC_HTTP_TIMEOUT"]})


def _load_metadata(client: FlaskOAuth2App, provider: ProviderConfig) -> dict:
    guarded = provider.partner_id is not None and current_app.config["REBAR_ENV"] == "production"
    if guarded and (problem := public_https_problem(provider.issuer)):
        raise FlowError("unavailable", f"issuer refused: {problem}")
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise FlowError("unavailable", str(error)) from error
    issuer = metadata.get("issuer")
    if not isinstance(issuer, str) or issuer.rstrip("/") != provider.issuer.rstrip("/"):
        raise FlowError("unavailable", f"discovery names issuer {issuer!r}")
    if guarded:
        check_server_side_endpoints(metadata)
    return metadata


def public_https_problem(url: str) -> str | None:
    """Why the server must not call `url`: "not_https", "unknown_host" or "not_public" (some
    address of its host is private, loopback, link-local…); None when it may."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return "not_https"
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443,
                                                               proto=socket.IPPROTO_TCP)}
    except (socket.gaierror, UnicodeError, ValueError):
        return "unknown_host"
    if not all(ipaddress.ip_address(address.split("%")[0]).is_global for address in addresses):
        return "not_public"
    return None


def check_server_side_endpoints(metadata: dict) -> None:
    """A partner's provider names the addresses the portal calls next (token, keys, user
    info): they must be public https too, checked at every flow, not only when it was saved,
    so neither its discovery document nor a DNS change can turn the server on internal hosts."""
    for name in SERVER_SIDE_ENDPOINTS:
        url = metadata.get(name)
        if url is None and name == "userinfo_endpoint":
            continue
        problem = public_https_problem(url) if isinstance(url, str) else "missing"
        if problem:
            raise FlowError("unavailable", f"{name} {url!r} refused: {problem}")


def redirect_to_provider(provider: ProviderConfig, redirect_uri: str, *,
                         login_hint: str | None = None) -> Response:
    """Start the flow: discovery, then a redirect to the provider's authorization endpoint."""
    client = _client(provider)
    _load_metadata(client, provider)
    extra = {"login_hint": login_hint} if login_hint else {}
    try:
        return client.authorize_redirect(redirect_uri, **extra)
    except (requests.RequestException, OAuthError, ValueError, KeyError, TypeError, RuntimeError) as error:
        raise FlowError("unavailable", repr(error)) from error


def finish_flow(provider: ProviderConfig) -> dict:
    """Exchange the code and return the checked ID token claims. Raises FlowError."""
    client = _client(provider)
    try:
        metadata = _load_metadata(client, provider)
        token = client.authorize_access_token(
            claims_options={"iss": {"essential": True, "values": [metadata["issuer"]]},
                            "sub": {"essential": True}},
            leeway=current_app.config["OIDC_CLOCK_SKEW_SECONDS"])
    except OAuthError as error:
        if error.error == "access_denied":
            raise FlowError("denied", error.description or "") from error
        if error.error == "mismatching_state":
            raise FlowError("state", "") from error
        raise FlowError("provider_error", f"{error.error}: {error.description}") from error
    except JoseError as error:
        raise FlowError("bad_token", repr(error)) from error
    except (requests.RequestException, ValueError, KeyError, TypeError, RuntimeError) as error:
        raise FlowError("unavailable", repr(error)) from error
    claims = token.get("userinfo")
    if not claims:
        raise FlowError("bad_token", "no ID token in the token response")
    return dict(claims)


def forget_flows() -> None:
    """Drop any half-finished flow state (after a refusal, so a retry starts clean)."""
    for key in [key for key in session if key.startswith("_state_")]:
        session.pop(key, None)
