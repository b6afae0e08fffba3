"""Authlib's authorization server, wired to our credential model: the client credentials grant
(RFC 6749 §4.4) at /oauth/token and token revocation (RFC 7009) at /oauth/revoke.

Authlib does the protocol (client authentication, grant dispatch, error bodies, headers);
this module only tells it how to find a client, check its secret, mint and store a token."""
from __future__ import annotations

import hmac
import logging

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, InvalidRequestError, InvalidScopeError, grants
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from flask import Flask

from app.credentials.models import ApiKey
from app.credentials.services import SCOPES, _secret_hmac, effective_scopes
from app.oauth import services

AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class OAuthClient(ClientMixin):
    """Authlib's view of an `ApiKey` of kind "oauth_client"."""

    def __init__(self, key: ApiKey) -> None:
        self.key = key

    def get_client_id(self) -> str:
        return services.client_id_of(self.key)

    def get_default_redirect_uri(self) -> None:
        return None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in AUTH_METHODS

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(self.key.secret_hmac, _secret_hmac(client_secret))

    def get_allowed_scope(self, scope: str | None) -> str:
        """No `scope` asks for all the client may have today (its scopes cut to its creator's
        role); asking for more than that is an invalid_scope error, not a silent trim."""
        allowed = effective_scopes(self.key)
        requested = set(scope_to_list(scope) or []) or set(allowed)
        if not requested:
            raise InvalidScopeError(description="This client has no scopes left; its creator's role "
                                                "no longer allows any.")
        beyond = sorted(requested - allowed)
        if beyond:
            raise InvalidScopeError(description=f"This client may not have: {' '.join(beyond)}.")
        return list_to_scope(sorted(requested))


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS


class TokenRevocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None):
        return services.find_access_token(token_string)

    def authenticate_token(self, request, client):
        """Another client's token is answered exactly like an unknown one (200, nothing
        revoked), so a revocation call never reveals that a token exists; the type hint is
        ignored (RFC 7009 §2.1 allows it: there is one kind of token)."""
        if "token" not in request.form:
            raise InvalidRequestError()
        token = self.query_token(request.form["token"], None)
        return token if token is not None and token.check_client(client) else None

    def revoke_token(self, token, request) -> None:
        services.revoke_access_token(token)


def _query_client(client_id: str) -> OAuthClient | None:
    key = services.find_usable_client(client_id)
    return OAuthClient(key) if key is not None else None


def _save_token(token: dict, request) -> None:
    services.store_access_token(request.client.key, token["access_token"], scope_to_list(token["scope"]),
                                token["expires_in"])


def _generate_access_token(client, grant_type, user, scope) -> str:
    return services.new_access_token()


def _expires_in(client, grant_type) -> int:
    return services.token_lifetime_seconds()


authorization = AuthorizationServer(query_client=_query_client, save_token=_save_token)
authorization.register_grant(ClientCredentialsGrant)
authorization.register_endpoint(TokenRevocation)


def init_authorization_server(app: Flask) -> None:
    """Settings that Authlib reads from the app; the token lifetime is read per request."""
    authorization.init_app(app)
    authorization.scopes_supported = sorted(SCOPES)
    authorization.register_token_generator(
        "default", BearerTokenGenerator(_generate_access_token, expires_generator=_expires_in))
    # Authlib logs every issued token at DEBUG ("Issue token {...}"): never let it reach a log.
    authlib_logger = logging.getLogger("authlib")
    authlib_logger.setLevel(max(logging.INFO, authlib_logger.level))
