"""Helpers shared by the wire protocols: JSON encoding, error bodies, HTML pages."""
from __future__ import annotations

import datetime as dt
import html
import json
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ..errors import AccessDenied, exception_message, formatted_traceback, qualified_name

JSON_MIMETYPES = ("application/json", "application/json-rpc")
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
HTML_CONTENT_TYPE = "text/html;charset=utf-8"


def json_default(value: Any) -> Any:
    """Odoo's ``json_default``: dates as server strings, sets and bytes made JSON-able."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (set, frozenset)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dump_json(payload: Any) -> str:
    return json.dumps(payload, default=json_default)


def serialize_exception(exc: BaseException) -> dict[str, Any]:
    """Odoo's ``serialize_exception``: the ``data`` of JSON-RPC errors, the JSON-2 error body."""
    if isinstance(exc, HTTPException):
        message = exc.description
        arguments: list[Any] = [exc.description, exc.code]
    else:
        message = exception_message(exc)
        arguments = list(exc.args)
    name = qualified_name(exc)
    debug = f"{name}: {message}\n" if isinstance(exc, AccessDenied) else formatted_traceback(exc)
    return {"name": name, "message": message, "arguments": arguments,
            "context": getattr(exc, "context", {}) or {}, "debug": debug}


def html_error(status: int, title: str, description: str) -> Response:
    """An HTML error page, as Odoo/werkzeug answers outside the JSON dispatchers."""
    body = (
        "<!doctype html>\n<html lang=en>\n"
        f"<title>{status} {html.escape(title)}</title>\n"
        f"<h1>{html.escape(title)}</h1>\n<p>{html.escape(description)}</p>\n"
    )
    return Response(body, status=status, content_type=HTML_CONTENT_TYPE)


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dump_json(payload), status=status, content_type=JSON_CONTENT_TYPE,
                    headers=headers or {})


def is_json_request(mimetype: str) -> bool:
    return mimetype in JSON_MIMETYPES
