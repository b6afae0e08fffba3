"""JSON-RPC: ``POST /jsonrpc`` with ``{"params": {"service", "method", "args"}}``.

Errors come back with HTTP 200 and ``error.code`` 0 (Odoo 19) or 200 (Odoo 17);
a None result omits the ``result`` key.
"""
from __future__ import annotations

import json
from typing import Any

from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.wrappers import Request, Response

from ..service import RpcService
from .common import html_error, is_json_request, json_response, serialize_exception


def handle_jsonrpc(request: Request, service: RpcService) -> Response:
    flavour = service.config.flavour
    if not is_json_request(request.mimetype):
        return _wrong_content_type(request, flavour)
    request_id = None
    try:
        payload = _parse(request)
        request_id = payload.get("id")
        result = _call(service, payload.get("params"))
    except Exception as exc:  # noqa: BLE001 - Odoo turns every failure into an error member
        return json_response({"jsonrpc": "2.0", "id": request_id, "error": _error(exc, flavour)})
    response: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id}
    if result is not None:
        response["result"] = result
    return json_response(response)


def _wrong_content_type(request: Request, flavour: str) -> Response:
    """19 answers 415, 16-18 answer 400; neither with a JSON body."""
    description = (f"Request inferred type is compatible with ['http'] but /jsonrpc is type=json "
                   f"({request.mimetype or 'no content type'})")
    if flavour == "19":
        return html_error(415, "Unsupported Media Type", description)
    return html_error(400, "Bad Request", description)


def _parse(request: Request) -> dict[str, Any]:
    try:
        payload = json.loads(request.get_data())
    except ValueError as exc:
        raise BadRequest("Invalid JSON data") from exc
    if not isinstance(payload, dict):
        raise BadRequest("Invalid JSON-RPC data")
    return payload


def _call(service: RpcService, params: Any) -> Any:
    if not isinstance(params, dict):
        raise TypeError("jsonrpc() argument after ** must be a mapping")
    missing = [key for key in ("service", "method", "args") if key not in params]
    if missing:
        raise TypeError(f"jsonrpc() missing 1 required positional argument: '{missing[0]}'")
    return service.dispatch(params["service"], params["method"], list(params["args"]))


def _error(exc: BaseException, flavour: str) -> dict[str, Any]:
    if isinstance(exc, NotFound):
        return {"code": 404, "message": "404: Not Found", "data": serialize_exception(exc)}
    return {"code": 0 if flavour == "19" else 200, "message": "Odoo Server Error",
            "data": serialize_exception(exc)}
