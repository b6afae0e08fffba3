"""XML-RPC: ``/xmlrpc/2/<service>`` (integer fault codes) and ``/xmlrpc/<service>`` (string codes).

The result is marshalled like Odoo does, with ``allow_none=False``: a method that
returns None (button_cancel...) ends as fault 1 "cannot marshal None" although
its transaction was already committed.
"""
from __future__ import annotations

import datetime as dt
import re
import xmlrpc.client
from typing import Any

from werkzeug.wrappers import Request, Response

from ..errors import (AccessDenied, AccessError, MissingError, RedirectWarning, UserError,
                      exception_message, formatted_traceback)
from ..service import RpcService
from .common import html_error

XML_CONTENT_TYPE = "text/xml; charset=utf-8"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class OdooMarshaller(xmlrpc.client.Marshaller):
    """Dates and datetimes become server-format strings, bytes become str, control
    characters are stripped (Odoo 17+)."""

    dispatch = dict(xmlrpc.client.Marshaller.dispatch)

    def dump_date(self, value: dt.date, write: Any) -> None:
        self.dump_unicode(value.strftime("%Y-%m-%d"), write)

    def dump_datetime(self, value: dt.datetime, write: Any) -> None:
        self.dump_unicode(value.strftime("%Y-%m-%d %H:%M:%S"), write)

    def dump_bytes(self, value: bytes, write: Any) -> None:
        self.dump_unicode(value.decode(), write)

    def dump_text(self, value: str, write: Any) -> None:
        self.dump_unicode(CONTROL_CHARACTERS.sub("", value), write)

    dispatch[dt.date] = dump_date
    dispatch[dt.datetime] = dump_datetime
    dispatch[bytes] = dump_bytes
    dispatch[str] = dump_text


def handle_xmlrpc(request: Request, service: RpcService, service_name: str, legacy: bool) -> Response:
    if request.method != "POST":
        return html_error(405, "Method Not Allowed", "The method is not allowed for the requested URL.")
    try:
        params, method = xmlrpc.client.loads(request.get_data(),
                                             use_datetime=service.config.flavour == "19")
        result = service.dispatch(service_name, method, list(params))
        body = dump_result(result)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a fault, as in Odoo
        fault = string_fault(exc) if legacy else integer_fault(exc)
        body = _envelope(OdooMarshaller(allow_none=False).dumps(fault))
    return Response(body, content_type=XML_CONTENT_TYPE)


def dump_result(result: Any) -> str:
    return _envelope(OdooMarshaller(allow_none=False).dumps((result,)))


def _envelope(content: str) -> str:
    return f'<?xml version="1.0"?>\n<methodResponse>\n{content}\n</methodResponse>\n'


def integer_fault(exc: BaseException) -> xmlrpc.client.Fault:
    """Odoo's ``xmlrpc_handle_exception_int``: 1 crash, 2 user error, 3 denied, 4 access."""
    if isinstance(exc, RedirectWarning):
        return xmlrpc.client.Fault(2, str(exc))
    if isinstance(exc, AccessError):
        return xmlrpc.client.Fault(4, str(exc))
    if isinstance(exc, AccessDenied):
        return xmlrpc.client.Fault(3, str(exc))
    if isinstance(exc, UserError):
        return xmlrpc.client.Fault(2, str(exc))
    return xmlrpc.client.Fault(1, formatted_traceback(exc))


def string_fault(exc: BaseException) -> xmlrpc.client.Fault:
    """Odoo's ``xmlrpc_handle_exception_string`` for the legacy ``/xmlrpc/<service>`` routes."""
    if isinstance(exc, RedirectWarning):
        return xmlrpc.client.Fault("warning -- Warning\n\n" + str(exc), "")
    if isinstance(exc, MissingError):
        return xmlrpc.client.Fault("warning -- MissingError\n\n" + str(exc), "")
    if isinstance(exc, AccessError):
        return xmlrpc.client.Fault("warning -- AccessError\n\n" + str(exc), "")
    if isinstance(exc, AccessDenied):
        return xmlrpc.client.Fault("AccessDenied", str(exc))
    if isinstance(exc, UserError):
        return xmlrpc.client.Fault("warning -- UserError\n\n" + str(exc), "")
    return xmlrpc.client.Fault(exception_message(exc), formatted_traceback(exc))
