"""Transports to Odoo's external API: JSON-2 (Odoo 19+) and XML-RPC (Odoo 16 to 21).

A transport turns one ORM call into one HTTP request and maps every failure onto the
types in app.odoo.errors. Callers pass parameters by name; XmlRpcTransport moves the
few that older Odoo versions only accept positionally. Nothing here logs a request
body, a password or an API key.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import logging
import re
import threading
import time
import xml.parsers.expat
import xmlrpc.client
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import requests
import urllib3.exceptions

from app.odoo.errors import (
    OdooAmbiguousError,
    OdooAuthError,
    OdooError,
    OdooPermanentError,
    OdooTransientError,
    error_from_http_status,
    error_from_json2,
    error_from_xmlrpc_fault,
    is_none_result_fault,
)
from app.odoo.settings import OdooSettings

logger = logging.getLogger("rebar.odoo")

USER_AGENT = "Rebar-Odoo-Connector/1.0"
CONNECT_TIMEOUT_CAP = 10.0
JSON2_SINCE = (18, 4)
GATEWAY_STATUSES = frozenset({502, 503, 504})
READ_ONLY_METHODS = frozenset(
    {
        "authenticate",
        "check_access_rights",
        "context_get",
        "default_get",
        "exists",
        "fields_get",
        "get_views",
        "has_access",
        "login",
        "name_search",
        "read",
        "read_group",
        "search",
        "search_count",
        "search_read",
        "version",
        "web_read",
        "web_search_read",
    }
)
# Parameters that Odoo 16/17 only accept positionally over RPC (create raises
# IndexError otherwise; 16 names search's domain `args`). Position 0 on 16 to 19.
XMLRPC_POSITIONAL_PARAMS = {
    "create": "vals_list",
    "write": "vals",
    "search": "domain",
    "search_count": "domain",
    "search_read": "domain",
}
# Odoo answers 403 to a request carrying both a session_id cookie and X-Odoo-Database,
# and some of its pages set that cookie: the session keeps none.
_NO_COOKIES = http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
_ODOO_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


class Transport(Protocol):
    """One call to an Odoo model method, whatever the protocol."""

    def call(
        self,
        model: str,
        method: str,
        args: list | None = None,
        kwargs: dict | None = None,
        ids: list[int] | None = None,
        context: dict | None = None,
    ) -> Any: ...

    def server_version(self) -> tuple[int, int]: ...


def parse_server_version(version_info: Sequence[Any] | str) -> tuple[int, int]:
    """(major, minor) from `server_version_info` or a series string.

    Handles [19, 0, 0, 'final', 0, ''], ['saas~18.4', ...], ['saas~18', 4, ...],
    '17.0' and 'saas~18.4'.
    """
    if isinstance(version_info, str):
        numbers = [int(number) for number in re.findall(r"\d+", version_info)]
        if not numbers:
            raise ValueError(f"not an Odoo version: {version_info!r}")
        return numbers[0], numbers[1] if len(numbers) > 1 else 0
    major = version_info[0]
    if isinstance(major, str):
        numbers = [int(number) for number in re.findall(r"\d+", major)]
        if len(numbers) >= 2 or len(version_info) < 2:
            return parse_server_version(major)
        return numbers[0], int(version_info[1])
    return int(major), int(version_info[1]) if len(version_info) > 1 else 0


def fetch_server_version(settings: OdooSettings) -> tuple[int, int]:
    """Ask XML-RPC `common.version()`, which needs no login and answers on Odoo 16 to 21."""
    with _logged_call("xmlrpc", "common", "version"):
        payload = _xmlrpc_request(settings, "common", "version", ())
    return parse_server_version(payload.get("server_version_info") or payload["server_serie"])


def make_transport(settings: OdooSettings, known_version: tuple[int, int] | None = None) -> Transport:
    """The transport named by settings.protocol; "auto" picks on first use, or at once when
    the server's version is already known (saving the `common.version()` round trip)."""
    if settings.protocol == "json2":
        return Json2Transport(settings, known_version=known_version)
    if settings.protocol == "xmlrpc":
        return XmlRpcTransport(settings, known_version=known_version)
    if known_version is not None:
        transport_class = Json2Transport if known_version >= JSON2_SINCE else XmlRpcTransport
        return transport_class(settings, known_version=known_version)
    return AutoTransport(settings)


class Json2Transport:
    """`POST /json/2/<model>/<method>` with a bearer API key (Odoo 19+, saas-18.4+)."""

    protocol = "json2"

    def __init__(
        self,
        settings: OdooSettings,
        *,
        session: requests.Session | None = None,
        known_version: tuple[int, int] | None = None,
    ) -> None:
        self._settings = settings
        self._base_url = settings.url.rstrip("/")
        self._timeout = (min(CONNECT_TIMEOUT_CAP, settings.timeout), settings.timeout)
        self._session = session or requests.Session()
        self._session.cookies.set_policy(_NO_COOKIES)
        self._version = known_version
        self._version_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Json2Transport(url={self._base_url!r}, db={self._settings.db!r})"

    def call(
        self,
        model: str,
        method: str,
        args: list | None = None,
        kwargs: dict | None = None,
        ids: list[int] | None = None,
        context: dict | None = None,
    ) -> Any:
        if args:
            raise TypeError("JSON-2 takes parameters by name only: pass them in kwargs")
        url = f"{self._base_url}/json/2/{_checked_name(model)}/{_checked_name(method)}"
        body = _json2_body(kwargs, ids, context)
        with _logged_call(self.protocol, model, method):
            response = self._post(url, body, method)
            return _json2_result(response, method)

    def server_version(self) -> tuple[int, int]:
        with self._version_lock:
            if self._version is None:
                self._version = fetch_server_version(self._settings)
            return self._version

    def _post(self, url: str, body: dict[str, Any], method: str) -> requests.Response:
        try:
            return self._session.post(
                url,
                data=json.dumps(body).encode("utf-8"),
                headers=self._headers(),
                timeout=self._timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise _error_from_requests(exc, self._timeout) from exc

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"bearer {self._settings.api_key}",
            "X-Odoo-Database": self._settings.db,
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }


def _checked_name(name: str) -> str:
    if not _ODOO_NAME.match(name):
        raise ValueError(f"not an Odoo model or method name: {name!r}")
    return name


def _json2_body(
    kwargs: dict | None, ids: list[int] | None, context: dict | None
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if ids is not None:
        body["ids"] = list(ids)
    body.update(kwargs or {})
    if context is not None:
        body["context"] = context
    return body


def _json2_result(response: requests.Response, method: str) -> Any:
    if response.status_code == 200:
        try:
            return response.json()
        except ValueError:
            raise _unreadable_answer(method, status=200) from None
    error_body = _json_object(response)
    if response.status_code in GATEWAY_STATUSES or not error_body or "name" not in error_body:
        raise error_from_http_status(
            response.status_code, response.reason or "", may_have_committed=_may_write(method)
        )
    raise error_from_json2(response.status_code, error_body)


def _json_object(response: requests.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _may_write(method: str) -> bool:
    return method not in READ_ONLY_METHODS


def _unreadable_answer(method: str, *, status: int | None) -> OdooError:
    error_class = OdooAmbiguousError if _may_write(method) else OdooTransientError
    return error_class("Odoo's answer could not be read", status=status)


def _error_from_requests(
    exc: requests.RequestException, timeout: tuple[float, float]
) -> OdooError:
    connect_timeout, read_timeout = timeout
    if isinstance(exc, requests.ConnectTimeout):
        return OdooTransientError(f"could not connect to Odoo within {connect_timeout:g} s")
    if isinstance(exc, requests.Timeout):
        return OdooAmbiguousError(f"Odoo sent no answer within {read_timeout:g} s")
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema)):
        return OdooPermanentError(f"the Odoo URL is not valid: {type(exc).__name__}")
    if isinstance(exc, requests.exceptions.SSLError) or _never_connected(exc):
        return OdooTransientError(f"could not connect to Odoo: {_root_cause_name(exc)}")
    if isinstance(exc, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                        requests.exceptions.ContentDecodingError)):
        return OdooAmbiguousError(f"the connection to Odoo broke: {_root_cause_name(exc)}")
    return OdooTransientError(f"request to Odoo failed: {type(exc).__name__}")


def _never_connected(exc: requests.RequestException) -> bool:
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    return isinstance(
        reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)
    )


def _root_cause_name(exc: BaseException) -> str:
    while exc.__context__ is not None and exc.__context__ is not exc:
        exc = exc.__context__
    return type(exc).__name__


class XmlRpcTransport:
    """`/xmlrpc/2/object` `execute_kw` with the API key in the password slot (Odoo 16 to 21)."""

    protocol = "xmlrpc"

    def __init__(
        self, settings: OdooSettings, *, known_version: tuple[int, int] | None = None
    ) -> None:
        self._settings = settings
        self._version = known_version
        self._uid: int | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"XmlRpcTransport(url={self._settings.url!r}, db={self._settings.db!r})"

    def call(
        self,
        model: str,
        method: str,
        args: list | None = None,
        kwargs: dict | None = None,
        ids: list[int] | None = None,
        context: dict | None = None,
    ) -> Any:
        positional, named = xmlrpc_call_params(method, args, kwargs, ids, context)
        settings = self._settings
        with _logged_call(self.protocol, model, method):
            uid = self._authenticated_uid()
            return _xmlrpc_request(
                settings,
                "object",
                "execute_kw",
                (settings.db, uid, settings.api_key, model, method, positional, named),
                odoo_method=method,
            )

    def server_version(self) -> tuple[int, int]:
        with self._lock:
            if self._version is None:
                self._version = fetch_server_version(self._settings)
            return self._version

    def _authenticated_uid(self) -> int:
        """Log in once per transport; the lock keeps concurrent first calls from piling
        up failed logins, which would trigger Odoo's per-IP cooldown."""
        with self._lock:
            if self._uid is None:
                settings = self._settings
                uid = _xmlrpc_request(
                    settings,
                    "common",
                    "authenticate",
                    (settings.db, settings.login, settings.api_key, {}),
                )
                if not isinstance(uid, int) or isinstance(uid, bool):
                    raise OdooAuthError(
                        "Odoo refused the login or API key", odoo_class="AccessDenied"
                    )
                self._uid = uid
            return self._uid


def xmlrpc_call_params(
    method: str,
    args: list | None,
    kwargs: dict | None,
    ids: list[int] | None,
    context: dict | None,
) -> tuple[list[Any], dict[str, Any]]:
    """`execute_kw`'s (args, kwargs): ids first, then the parameters Odoo 16/17 need
    positionally (create's values as args[0], never a `vals_list` keyword)."""
    positional = list(args or [])
    named = dict(kwargs or {})
    leading_param = XMLRPC_POSITIONAL_PARAMS.get(method)
    if not positional and leading_param in named:
        positional = [named.pop(leading_param)]
    if ids is not None:
        positional = [list(ids), *positional]
    if context is not None:
        named["context"] = context
    return positional, named


def _xmlrpc_request(
    settings: OdooSettings,
    service: str,
    service_method: str,
    params: tuple[Any, ...],
    *,
    odoo_method: str | None = None,
) -> Any:
    """One XML-RPC round trip; a "cannot marshal None" fault means success with None."""
    odoo_method = odoo_method or service_method
    proxy = _server_proxy(settings, service)
    try:
        return getattr(proxy, service_method)(*params)
    except xmlrpc.client.Fault as fault:
        if is_none_result_fault(fault.faultCode, fault.faultString):
            return None
        raise error_from_xmlrpc_fault(fault.faultCode, fault.faultString) from None
    except xmlrpc.client.ProtocolError as exc:
        raise error_from_http_status(
            exc.errcode, exc.errmsg, may_have_committed=_may_write(odoo_method)
        ) from None
    except _ConnectFailed as exc:
        raise OdooTransientError(f"could not connect to Odoo: {exc.reason}") from exc
    except TimeoutError as exc:
        raise OdooAmbiguousError(f"Odoo sent no answer within {settings.timeout:g} s") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise OdooAmbiguousError(f"the connection to Odoo broke: {type(exc).__name__}") from exc
    except (xml.parsers.expat.ExpatError, xmlrpc.client.ResponseError) as exc:
        raise _unreadable_answer(odoo_method, status=None) from exc


def _server_proxy(settings: OdooSettings, service: str) -> xmlrpc.client.ServerProxy:
    url = f"{settings.url.rstrip('/')}/xmlrpc/2/{service}"
    transport_class = _HttpsTransport if url.startswith("https:") else _HttpTransport
    return xmlrpc.client.ServerProxy(
        url, transport=transport_class(settings.timeout), allow_none=True
    )


class _ConnectFailed(Exception):
    """The TCP or TLS connection could not be opened: nothing reached Odoo."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(str(cause))
        self.reason = type(cause).__name__


class _SingleAttemptMixin:
    """Applies the timeout and sends each request exactly once.

    The stdlib transport silently re-sends after a dropped connection, which could
    create a record twice. Connecting first, on its own, tells "Odoo never got the
    request" apart from "Odoo may have committed it".
    """

    def __init__(self, timeout: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._timeout = timeout
        self.user_agent = USER_AGENT

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        connection = super().make_connection(host)  # type: ignore[misc]
        connection.timeout = self._timeout
        return connection

    def request(self, host: Any, handler: str, request_body: bytes, verbose: bool = False) -> Any:
        self.close()  # type: ignore[attr-defined]
        connection = self.make_connection(host)
        try:
            connection.connect()
        except OSError as exc:
            self.close()  # type: ignore[attr-defined]
            raise _ConnectFailed(exc) from exc
        try:
            return self.single_request(host, handler, request_body, verbose)  # type: ignore[attr-defined]
        finally:
            self.close()  # type: ignore[attr-defined]


class _HttpTransport(_SingleAttemptMixin, xmlrpc.client.Transport):
    pass


class _HttpsTransport(_SingleAttemptMixin, xmlrpc.client.SafeTransport):
    pass


class AutoTransport:
    """Picks JSON-2 or XML-RPC from the server version on first use, then delegates."""

    def __init__(self, settings: OdooSettings) -> None:
        self._settings = settings
        self._resolved: Json2Transport | XmlRpcTransport | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"AutoTransport(url={self._settings.url!r}, resolved={self._resolved!r})"

    def resolve(self) -> Json2Transport | XmlRpcTransport:
        """The concrete transport; detected once (one `common.version()` call), then cached."""
        with self._lock:
            if self._resolved is None:
                version = fetch_server_version(self._settings)
                transport_class = Json2Transport if version >= JSON2_SINCE else XmlRpcTransport
                self._resolved = transport_class(self._settings, known_version=version)
                logger.info(
                    "odoo %d.%d detected, using %s",
                    *version,
                    transport_class.protocol,
                    extra={"odoo_version": f"{version[0]}.{version[1]}"},
                )
            return self._resolved

    def call(
        self,
        model: str,
        method: str,
        args: list | None = None,
        kwargs: dict | None = None,
        ids: list[int] | None = None,
        context: dict | None = None,
    ) -> Any:
        return self.resolve().call(model, method, args, kwargs, ids, context)

    def server_version(self) -> tuple[int, int]:
        return self.resolve().server_version()


@contextmanager
def _logged_call(protocol: str, model: str, method: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    except Exception as exc:
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.warning(
            "odoo %s %s.%s failed after %.0f ms: %s status=%s odoo_class=%s",
            protocol, model, method, elapsed_ms, type(exc).__name__,
            getattr(exc, "status", None), getattr(exc, "odoo_class", None),
            extra=_log_fields(protocol, model, method, elapsed_ms),
        )
        raise
    elapsed_ms = (time.perf_counter() - started) * 1000
    logger.info(
        "odoo %s %s.%s ok in %.0f ms", protocol, model, method, elapsed_ms,
        extra=_log_fields(protocol, model, method, elapsed_ms),
    )


def _log_fields(protocol: str, model: str, method: str, elapsed_ms: float) -> dict[str, Any]:
    return {
        "odoo_protocol": protocol,
        "odoo_model": model,
        "odoo_method": method,
        "elapsed_ms": round(elapsed_ms, 1),
    }
