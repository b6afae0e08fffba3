"""The WSGI application: routing, failure injection, ``Connection: close``, threads."""
from __future__ import annotations

import socket
import threading
import time
from typing import Any, Callable, Iterable

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from . import control
from .config import SandboxConfig
from .errors import SerializationFailure
from .faults import FaultInjector
from .models import REGISTRY
from .orm import Database
from .protocols.common import html_error, json_response
from .protocols.json2 import handle_json2
from .protocols.jsonrpc import handle_jsonrpc
from .protocols.xmlrpc import handle_xmlrpc
from .seed import seed_database
from .service import RpcService

PROTOCOL_ENDPOINTS = ("xmlrpc2", "xmlrpc1", "jsonrpc", "json2", "json2_other")
SERIALIZATION_MESSAGE = "could not serialize access due to concurrent update\n"

URL_MAP = Map([
    Rule("/xmlrpc/2/<service>", endpoint="xmlrpc2"),
    Rule("/xmlrpc/<service>", endpoint="xmlrpc1"),
    Rule("/jsonrpc", endpoint="jsonrpc"),
    Rule("/json/2/<model>/<method>", endpoint="json2"),
    Rule("/json/2", endpoint="json2_other"),
    Rule("/json/2/<path:rest>", endpoint="json2_other"),
    Rule("/web/version", endpoint="version"),
    Rule("/json/version", endpoint="version"),
    Rule("/sandbox/state", endpoint="state"),
    Rule("/sandbox/reset", endpoint="reset"),
    Rule("/sandbox/faults", endpoint="faults"),
    Rule("/sandbox/bills/<int:bill_id>/<action>", endpoint="bill_action"),
    Rule("/", endpoint="overview"),
], strict_slashes=False)


class SandboxApp:
    """One emulated Odoo database served over Odoo's wire protocols."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.db = Database(config, REGISTRY, seed_database)
        self.service = RpcService(self.db)
        self.faults = FaultInjector()

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        response = self.handle(request)
        if not str(environ.get("SERVER_SOFTWARE", "")).startswith("Werkzeug/"):
            response.headers["Connection"] = "close"  # werkzeug's server always sends it itself
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        adapter = URL_MAP.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match(method=None)
        except HTTPException:
            return html_error(404, "Not Found", "The requested URL was not found on the server.")
        if endpoint in PROTOCOL_ENDPOINTS:
            return self._protocol_request(request, endpoint, values)
        return self._sandbox_request(request, endpoint, values)

    # ------------------------------------------------------------ Odoo protocols
    def _protocol_request(self, request: Request, endpoint: str, values: dict[str, Any]) -> Response:
        plan = self.faults.plan
        if plan and plan.delay_s:
            time.sleep(plan.delay_s)
        failure = self.faults.next_failure()
        if failure == "http500":
            return html_error(500, "Internal Server Error", "The server encountered an internal error.")
        if failure == "down":
            return _drop_connection(request)
        service = _FailingService(self.service) if failure == "serialization" else self.service
        response = self._route_protocol(request, endpoint, values, service)
        if failure == "timeout":
            response.get_data()
            time.sleep(plan.timeout_s if plan else 30.0)
        return response

    def _route_protocol(self, request: Request, endpoint: str, values: dict[str, Any],
                        service: Any) -> Response:
        if endpoint in ("xmlrpc2", "xmlrpc1"):
            return handle_xmlrpc(request, service, values["service"], legacy=endpoint == "xmlrpc1")
        if endpoint == "jsonrpc":
            return handle_jsonrpc(request, service)
        return handle_json2(request, service, values.get("model"), values.get("method"))

    # ------------------------------------------------------------ sandbox-only
    def _sandbox_request(self, request: Request, endpoint: str, values: dict[str, Any]) -> Response:
        if endpoint == "version":
            return self._web_version()
        if endpoint == "overview":
            return control.overview_page(self.db, self.faults)
        if endpoint == "state":
            return json_response(control.state_snapshot(self.db, self.faults))
        if endpoint == "faults":
            return control.configure_faults(request, self.faults)
        if request.method != "POST":
            return json_response({"error": "method_not_allowed", "message": "use POST"}, 405)
        if endpoint == "reset":
            self.db.reset()
            return json_response({"reset": True})
        if values["action"] not in control.BILL_ACTIONS:
            return json_response({"error": "not_found", "message": f"unknown action {values['action']}"}, 404)
        return control.bill_action(self.db, values["bill_id"], values["action"])

    def _web_version(self) -> Response:
        if self.config.flavour != "19":
            return html_error(404, "Not Found", "The requested URL was not found on the server.")
        return json_response({"version_info": self.config.version_info,
                              "version": self.config.server_version})


class _FailingService:
    """Stands in for the RPC service when a serialization failure is injected."""

    def __init__(self, real: RpcService) -> None:
        self.config = real.config

    def dispatch(self, service: str, method: str, params: list[Any]) -> Any:
        raise SerializationFailure(SERIALIZATION_MESSAGE)

    def call_json2(self, model_name: str, method_name: str, body: dict[str, Any]) -> Any:
        raise SerializationFailure(SERIALIZATION_MESSAGE)

    def api_key_ok(self, secret: str) -> bool:
        return True


def _drop_connection(request: Request) -> Response:
    """Close the client's socket without an answer, like an Odoo that went away."""
    connection = request.environ.get("werkzeug.socket")
    if connection is not None:
        try:
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        return Response(b"", status=200)
    return html_error(502, "Bad Gateway", "The Odoo server is down.")


def create_sandbox_app(flavour: str = "19", state_file: str | None = None, **credentials: str) -> SandboxApp:
    """The WSGI app; ``credentials`` may override db, login, password and api_key."""
    return SandboxApp(SandboxConfig(flavour=flavour, state_file=state_file, **credentials))


class QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass


def serve_in_thread(port: int = 0, flavour: str = "19", host: str = "127.0.0.1",
                    state_file: str | None = None, quiet: bool = True,
                    **credentials: str) -> tuple[str, BaseWSGIServer, SandboxApp]:
    """Start a threaded sandbox server in a daemon thread; stop it with ``server.shutdown()``."""
    app = create_sandbox_app(flavour=flavour, state_file=state_file, **credentials)
    server = make_server(host, port, app, threaded=True,
                         request_handler=QuietRequestHandler if quiet else None)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"odoo-sandbox-{flavour}", daemon=True)
    thread.start()
    return f"http://{host}:{server.server_port}", server, app
