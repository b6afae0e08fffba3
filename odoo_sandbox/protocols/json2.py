"""JSON-2 (Odoo 19+): ``POST /json/2/<model>/<method>`` with a bearer API key.

Checks happen in Odoo's order: database header (404), content type (415), bearer
key (401), JSON body (400), then model/method/arguments (404/403/422) and the call
itself, whose exceptions map to statuses by class (UserError 422, AccessError 403,
MissingError 404, anything else 500).
"""
from __future__ import annotations

import json
import re
from typing import Any

from werkzeug.exceptions import BadRequest, HTTPException, Unauthorized
from werkzeug.wrappers import Request, Response

from ..service import RpcService
from .common import html_error, is_json_request, json_response, serialize_exception

BEARER = re.compile(r"^bearer\s+(.+)$", re.IGNORECASE)
MISSING_KEY = "User not authenticated, use an API Key with a Bearer Authorization header."
ROUTE_HINT = "Did you mean POST /json/2/<model>/<method>?"


def handle_json2(request: Request, service: RpcService, model: str | None, method: str | None) -> Response:
    if service.config.flavour != "19" or not model or not method or request.method != "POST":
        return html_error(404, "Not Found", ROUTE_HINT if service.config.flavour == "19"
                          else "The requested URL was not found on the server.")
    database = request.headers.get("X-Odoo-Database")
    if database is not None and database != service.config.db:
        return html_error(404, "Not Found", "No database is selected.")
    if not is_json_request(request.mimetype):
        return html_error(415, "Unsupported Media Type",
                          f"Request inferred type is compatible with ['http'] but {request.path} is type=json2")
    try:
        _authenticate(request, service)
        result = service.call_json2(model, method, _parse_body(request))
    except Exception as exc:  # noqa: BLE001 - every failure has a status and a JSON body
        return _error_response(exc)
    return json_response(result)


def _authenticate(request: Request, service: RpcService) -> None:
    """Only an API key is accepted: the user's password is refused like any wrong key."""
    header = request.headers.get("Authorization", "")
    match = BEARER.match(header.strip())
    if not match:
        raise Unauthorized(MISSING_KEY)
    if not service.api_key_ok(match.group(1).strip()):
        raise Unauthorized("Invalid apikey")


def _parse_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError as exc:
        raise BadRequest("could not parse the body as json") from exc
    if not isinstance(body, dict):
        raise BadRequest("the body must be a json object")
    return body


def _error_response(exc: BaseException) -> Response:
    headers = {}
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        if isinstance(exc, Unauthorized):
            headers["WWW-Authenticate"] = "Bearer "
    else:
        status = getattr(exc, "http_status", 500)
    return json_response(serialize_exception(exc), status=status, headers=headers)
