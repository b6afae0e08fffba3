"""/oauth/token and /oauth/revoke: machine endpoints (no session, no CSRF), answered by Authlib
with RFC 6749 JSON errors."""
from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidClientError, InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from flask import Blueprint, current_app, json, request
from flask_limiter.util import get_remote_address

from app.extensions import db, limiter
from app.oauth.server import authorization

bp = Blueprint("oauth_server", __name__, url_prefix="/oauth")


def _token_rate_limit() -> str:
    return current_app.config.get("OAUTH_TOKEN_RATE_LIMIT", "60 per minute")


token_limit = limiter.shared_limit(_token_rate_limit, scope="oauth-token", key_func=get_remote_address)


def _refusal() -> OAuth2Error | None:
    """What Authlib would not answer cleanly: a secret in the URL (it would end in access logs)
    or an Authorization header that is not decodable HTTP Basic."""
    if "client_secret" in request.args or "token" in request.args:
        return InvalidRequestError("Send credentials and tokens in the form body or the Authorization "
                                   "header, never in the URL.")
    try:
        extract_basic_authorization(request.headers)
    except ValueError:
        return InvalidClientError(status_code=401, description="The Authorization header is not valid "
                                                               "HTTP Basic (base64 of UTF-8 'id:secret').")
    return None


def _answer(endpoint):
    error = _refusal()
    if error is not None:
        return authorization.handle_error_response(None, error)
    response = endpoint()
    db.session.commit()
    return response


@bp.post("/token")
@token_limit
def issue_token():
    """RFC 6749 §4.4: grant_type=client_credentials, optional scope (space-separated)."""
    return _answer(authorization.create_token_response)


@bp.post("/revoke")
@token_limit
def revoke_token():
    """RFC 7009: 200 whether or not the token existed, so that nobody learns which tokens do."""
    return _answer(lambda: authorization.create_endpoint_response("revocation"))


_ERRORS = {405: ("invalid_request", "Use POST with a form-encoded body."),
           413: ("invalid_request", "The request body is too large."),
           429: ("too_many_requests", "Too many requests; wait before asking again.")}


def oauth_error_response(status: int, description: str | None = None):
    """An HTTP error on /oauth/* (wrong method, body too large, throttled…) as RFC 6749 JSON,
    never an HTML page: the callers are machines."""
    error, default = _ERRORS.get(status, ("invalid_request" if status < 500 else "server_error", None))
    body = {"error": error, "error_description": default or description or "The request was refused."}
    return current_app.response_class(json.dumps(body), status=status, mimetype="application/json",
                                      headers={"Cache-Control": "no-store"})
