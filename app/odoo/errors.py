"""Connector error types, and how Odoo's wire errors map onto them.

Classification uses fault codes, HTTP statuses and exception class names, never the
wording of messages (it differs between Odoo 17 and 19). The only exceptions are three
narrow, stable strings: PostgreSQL's serialization-failure text, xmlrpc's
"cannot marshal None" and Odoo's login-cooldown message.
"""

from __future__ import annotations

import ast
from typing import Any

TRANSIENT_EXCEPTION_NAMES = frozenset(
    {
        "SerializationFailure",
        "DeadlockDetected",
        "LockNotAvailable",
        "TransactionRollbackError",
        "OperationalError",
        "InterfaceError",
        "PoolError",
        "ConcurrencyError",
        "LockError",
    }
)
SERIALIZATION_FAILURE_TEXT = "could not serialize access"
LOGIN_COOLDOWN_TEXT = "Too many login failures"
NONE_RESULT_TEXT = "cannot marshal None"

XMLRPC_FAULT_UNEXPECTED = 1
XMLRPC_FAULT_USER_ERROR = 2
XMLRPC_FAULT_ACCESS_DENIED = 3
XMLRPC_FAULT_ACCESS_ERROR = 4

_LEGACY_WARNING_PREFIX = "warning -- "


class OdooError(Exception):
    """Base of every connector error.

    `message` is Odoo's own text, kept verbatim for staff (never a traceback);
    `odoo_class` the exception class Odoo named, when it named one;
    `status` the HTTP status or the XML-RPC fault code.
    """

    def __init__(
        self, message: str, *, odoo_class: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.odoo_class = odoo_class
        self.status = status

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, "
            f"odoo_class={self.odoo_class!r}, status={self.status!r})"
        )


class OdooTransientError(OdooError):
    """Retrying later, with backoff, may succeed."""


class OdooPermanentError(OdooError):
    """Retrying fails the same way until someone fixes the data, the rights or the code."""


class OdooAuthError(OdooPermanentError):
    """Odoo refused the login, password or API key. Never retry in a loop: Odoo's
    per-IP login cooldown would then lock out every worker."""


class OdooAmbiguousError(OdooTransientError):
    """The call failed after Odoo may have committed it (timeout after sending, connection
    dropped before the answer, HTTP 5xx on a write). Re-read before retrying a create."""


def is_transient_exception(odoo_class: str | None, message: str) -> bool:
    """True for database concurrency and connection failures, which Odoo rolled back."""
    short_name = (odoo_class or "").rsplit(".", 1)[-1]
    return short_name in TRANSIENT_EXCEPTION_NAMES or SERIALIZATION_FAILURE_TEXT in message


def error_from_http_status(
    status: int, reason: str, *, may_have_committed: bool
) -> OdooError:
    """An HTTP error without an Odoo error body: a proxy's page, or Odoo's HTML 404/415."""
    message = f"Odoo answered HTTP {status} {reason}".rstrip()
    if status == 401:
        return OdooAuthError(message, status=status)
    if status in (408, 409, 429):
        return OdooTransientError(message, status=status)
    if status >= 500:
        error_class = OdooAmbiguousError if may_have_committed else OdooTransientError
        return error_class(message, status=status)
    return OdooPermanentError(message, status=status)


def error_from_json2(status: int, body: dict[str, Any]) -> OdooError:
    """A JSON-2 error body: {"name", "message", "arguments", "context", "debug"}.

    Odoo wrote this body after rolling the transaction back, so it is never ambiguous.
    """
    name = str(body.get("name") or "") or None
    message = _json2_message(body)
    short_name = (name or "").rsplit(".", 1)[-1]
    if status == 401:
        return OdooAuthError(message, odoo_class=name, status=status)
    if short_name == "AccessDenied":
        return _access_denied(message, odoo_class=name, status=status)
    if status == 409 or is_transient_exception(name, message):
        return OdooTransientError(message, odoo_class=name, status=status)
    return OdooPermanentError(message, odoo_class=name, status=status)


def _json2_message(body: dict[str, Any]) -> str:
    arguments = body.get("arguments")
    if str(body.get("name", "")).endswith("RedirectWarning") and arguments:
        if isinstance(arguments, list) and isinstance(arguments[0], str):
            return arguments[0]
    return str(body.get("message") or body.get("name") or "Odoo error without a message")


def is_none_result_fault(code: int | str, fault_string: str) -> bool:
    """The method returned None, which Odoo cannot marshal; its transaction was committed."""
    if code != XMLRPC_FAULT_UNEXPECTED:
        return False
    odoo_class, message = final_exception(fault_string)
    return odoo_class == "TypeError" and NONE_RESULT_TEXT in message


def error_from_xmlrpc_fault(code: int | str, fault_string: str) -> OdooError:
    """Map a fault of /xmlrpc/2 (integer codes) or of the legacy /xmlrpc (string codes)."""
    if isinstance(code, str):
        return _error_from_legacy_fault(code, fault_string)
    if code == XMLRPC_FAULT_UNEXPECTED:
        return _error_from_traceback(fault_string, status=code)
    if code == XMLRPC_FAULT_USER_ERROR:
        return _error_from_user_error_fault(fault_string)
    if code == XMLRPC_FAULT_ACCESS_DENIED:
        return _access_denied(fault_string, odoo_class="AccessDenied", status=code)
    if code == XMLRPC_FAULT_ACCESS_ERROR:
        return OdooPermanentError(fault_string, odoo_class="AccessError", status=code)
    return OdooPermanentError(fault_string, status=code)


def _access_denied(message: str, *, odoo_class: str | None, status: int | None) -> OdooError:
    if LOGIN_COOLDOWN_TEXT in message:
        return OdooTransientError(message, odoo_class=odoo_class, status=status)
    return OdooAuthError(message, odoo_class=odoo_class, status=status)


def _error_from_traceback(traceback_text: str, *, status: int | None) -> OdooError:
    odoo_class, message = final_exception(traceback_text)
    if is_transient_exception(odoo_class, message):
        return OdooTransientError(message, odoo_class=odoo_class, status=status)
    return OdooPermanentError(message, odoo_class=odoo_class, status=status)


def _error_from_user_error_fault(fault_string: str) -> OdooError:
    """Fault 2 covers UserError, ValidationError, MissingError and RedirectWarning alike.

    A RedirectWarning's faultString is the repr of its 4 arguments (message, action,
    button label, context); only the message is for people.
    """
    redirect_message = _redirect_warning_message(fault_string)
    if redirect_message is not None:
        return OdooPermanentError(
            redirect_message,
            odoo_class="odoo.exceptions.RedirectWarning",
            status=XMLRPC_FAULT_USER_ERROR,
        )
    return OdooPermanentError(fault_string, status=XMLRPC_FAULT_USER_ERROR)


def _redirect_warning_message(fault_string: str) -> str | None:
    if not fault_string.startswith("("):
        return None
    try:
        arguments = ast.literal_eval(fault_string)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    if (
        isinstance(arguments, tuple)
        and len(arguments) == 4
        and isinstance(arguments[0], str)
        and isinstance(arguments[1], dict)
    ):
        return arguments[0]
    return None


def _error_from_legacy_fault(code: str, fault_string: str) -> OdooError:
    if code == "AccessDenied":
        return _access_denied(fault_string, odoo_class="AccessDenied", status=None)
    if code.startswith(_LEGACY_WARNING_PREFIX):
        odoo_class, _, message = code[len(_LEGACY_WARNING_PREFIX) :].partition("\n")
        if odoo_class == "AccessDenied":
            return _access_denied(message.strip() or fault_string, odoo_class=odoo_class, status=None)
        return OdooPermanentError(message.strip() or fault_string, odoo_class=odoo_class)
    return _error_from_traceback(fault_string, status=None)


def final_exception(traceback_text: str) -> tuple[str | None, str]:
    """(class name, message) of the exception that ended a Python traceback.

    The header of the last exception is the first unindented line after the frames
    of the last "Traceback (most recent call last):"; its message may span the
    following lines. Text without a traceback is returned whole, with no class.
    """
    lines = traceback_text.rstrip("\n").split("\n")
    starts = [index for index, line in enumerate(lines) if line.startswith("Traceback (")]
    if not starts:
        return None, traceback_text.strip()
    remaining = lines[starts[-1] + 1 :]
    for offset, line in enumerate(remaining):
        if line and not line.startswith((" ", "\t")):
            header, _, first_message_line = line.partition(":")
            message = "\n".join([first_message_line.strip(), *remaining[offset + 1 :]])
            return header.strip(), message.strip()
    return None, traceback_text.strip()
