"""A tiny HTTP server that answers with recorded Odoo responses, plus misbehaving servers.

A request is matched to a recording by protocol, path, model and method (for XML-RPC
`common`, the service method). When several recordings match, the one whose decoded
parameters are equal (credentials aside) wins, else the first loaded.

The recordings replaced traceback source lines with a raw "<source line redacted>",
which breaks the XML of XML-RPC faults; the server escapes it as Odoo would have.
"""

from __future__ import annotations

import json
import socket
import threading
import xmlrpc.client
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SHARED = Path("/work/shared")
RECORDINGS_19 = SHARED / "odoo-recordings"
RECORDINGS_17 = SHARED / "odoo-recordings-17"
_HOP_HEADERS = {"content-length", "connection", "transfer-encoding"}
_REDACTION_MARK = "<source line redacted>"


@dataclass(frozen=True)
class Call:
    """A decoded Odoo call. For execute_kw, args/kwargs are the ORM's, credentials dropped."""

    protocol: str
    path: str
    model: str | None
    method: str
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str | None, str]:
        return (self.protocol, self.path, self.model, self.method)


@dataclass(frozen=True)
class Recording:
    file: str
    protocol: str
    name: str
    call: Call
    request_body: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: str
    decoded: dict

    @property
    def result(self) -> Any:
        return self.decoded["result"]

    def with_response(self, *, status: int | None = None, body: str | None = None,
                      headers: list[tuple[str, str]] | None = None) -> Recording:
        return replace(
            self,
            status=self.status if status is None else status,
            body=self.body if body is None else body,
            headers=self.headers if headers is None else headers,
        )


def load(folder: Path, *selectors: str) -> list[Recording]:
    """Recordings by "protocol:name", e.g. "xmlrpc:create_vendor_bill"."""
    by_selector = {f"{rec.protocol}:{rec.name}": rec for rec in _load_folder(folder)}
    return [by_selector[selector] for selector in selectors]


def _load_folder(folder: Path) -> list[Recording]:
    return [_recording(path) for path in sorted(folder.glob("0*.json"))]


def _recording(path: Path) -> Recording:
    raw = json.loads(path.read_text())
    request, response = raw["request"], raw["response"]
    return Recording(
        file=path.name,
        protocol=raw["protocol"],
        name=raw["name"],
        call=decode_call(request["path"], request["body"]),
        request_body=request["body"],
        status=response["status"],
        reason=response.get("reason", ""),
        headers=[(name, value) for name, value in response["headers"]],
        body=_well_formed(raw["protocol"], response["body"]),
        decoded=raw["decoded"],
    )


def _well_formed(protocol: str, body: str) -> str:
    if protocol != "xmlrpc":
        return body
    return body.replace(_REDACTION_MARK, "&lt;source line redacted&gt;")


def decode_call(path: str, body: str) -> Call:
    if path.startswith("/xmlrpc"):
        params, method_name = xmlrpc.client.loads(body)
        return _rpc_call("xmlrpc", path, method_name, list(params))
    if path == "/jsonrpc":
        params = json.loads(body)["params"]
        return _rpc_call("jsonrpc", path, params["method"], list(params["args"]))
    if path.startswith("/json/2/"):
        model, _, method = path[len("/json/2/"):].partition("/")
        return Call("json2", path, model, method, [], json.loads(body or "{}"))
    return Call("http", path, None, "")


def _rpc_call(protocol: str, path: str, method_name: str, params: list) -> Call:
    if method_name == "execute_kw":
        kwargs = params[6] if len(params) > 6 else {}
        return Call(protocol, path, params[3], params[4], params[5], kwargs)
    if method_name == "execute":
        return Call(protocol, path, params[3], params[4], params[5:], {})
    return Call(protocol, path, None, method_name, params, {})


def named_params(call: Call) -> tuple[list[int] | None, dict[str, Any]]:
    """(ids, parameters by name) of a recorded call, whatever its protocol."""
    if call.protocol == "json2":
        params = dict(call.kwargs)
        return params.pop("ids", None), params
    positional = list(call.args)
    ids = None if call.method in _MODEL_METHOD_FIRST_PARAM else positional.pop(0)
    leading = _MODEL_METHOD_FIRST_PARAM.get(call.method) or _RECORD_METHOD_FIRST_PARAM.get(call.method)
    params = dict(call.kwargs)
    if positional and leading:
        params[leading] = positional.pop(0)
    assert not positional, f"unnamed positional arguments in {call}"
    return ids, params


_MODEL_METHOD_FIRST_PARAM = {
    "create": "vals_list", "search_read": "domain", "search": "domain", "fields_get": "allfields",
}
_RECORD_METHOD_FIRST_PARAM = {"write": "vals"}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str
    call: Call
    recording: Recording | None


class ReplayServer:
    """Serves recordings on 127.0.0.1; keeps every request it received."""

    def __init__(self, recordings: list[Recording]) -> None:
        self.recordings = list(recordings)
        self.received: list[Received] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _ReplayHandler)
        self._httpd.daemon_threads = True
        self._httpd.replay = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def unmatched(self) -> list[Received]:
        return [request for request in self.received if request.recording is None]

    def calls(self, method: str) -> list[Received]:
        return [request for request in self.received if request.call.method == method]

    def match(self, call: Call) -> Recording | None:
        candidates = [rec for rec in self.recordings if rec.call.key == call.key]
        exact = [rec for rec in candidates
                 if (rec.call.args, rec.call.kwargs) == (call.args, call.kwargs)]
        return (exact or candidates or [None])[0]

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class _ReplayHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
        replay: ReplayServer = self.server.replay  # type: ignore[attr-defined]
        call = decode_call(self.path, body)
        recording = replay.match(call)
        replay.received.append(Received(self.path, dict(self.headers), body, call, recording))
        if recording is None:
            self._answer(404, "Not Found", [("Content-Type", "text/plain")], f"no recording for {call.key}")
        else:
            self._answer(recording.status, recording.reason, recording.headers, recording.body)

    def _answer(self, status: int, reason: str, headers: list[tuple[str, str]], body: str) -> None:
        payload = body.encode("utf-8")
        self.send_response(status, reason)
        for name, value in headers:
            if name.lower() not in _HOP_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class SilentServer:
    """Accepts connections and reads requests; never answers, or hangs up (drop=True)."""

    def __init__(self, *, drop: bool = False) -> None:
        self.drop = drop
        self.requests_seen = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._open: list[socket.socket] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def start(self) -> SilentServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=2)
        for connection in self._open:
            connection.close()
        self._listener.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            connection.settimeout(1)
            try:
                if connection.recv(65536):
                    self.requests_seen += 1
            except OSError:
                pass
            if self.drop:
                connection.close()
            else:
                self._open.append(connection)


def refused_url() -> str:
    """A 127.0.0.1 URL where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
