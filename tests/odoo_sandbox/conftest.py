"""Fixtures for the Odoo sandbox tests: fresh sandboxes on 127.0.0.1 and small clients."""
from __future__ import annotations

import http.client
import json
import xmlrpc.client
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from odoo_sandbox import SandboxApp, serve_in_thread
from odoo_sandbox.config import DEFAULT_API_KEY, DEFAULT_DB, DEFAULT_PASSWORD


@dataclass
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Sandbox:
    """A running sandbox plus the calls tests make to it."""

    url: str
    app: SandboxApp
    db: str = DEFAULT_DB
    password: str = DEFAULT_PASSWORD
    api_key: str = DEFAULT_API_KEY
    uid: int = 2

    def request(self, method: str, path: str, body: bytes | str | None = None,
                headers: dict[str, str] | None = None, timeout: float = 10.0) -> HttpAnswer:
        parts = urlsplit(self.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        try:
            payload = body.encode() if isinstance(body, str) else body
            connection.request(method, path, body=payload, headers=headers or {})
            response = connection.getresponse()
            return HttpAnswer(response.status, dict(response.getheaders()), response.read())
        finally:
            connection.close()

    def execute(self, model: str, method: str, *args: Any, password: str | None = None,
                **kwargs: Any) -> Any:
        """execute_kw over XML-RPC; Odoo faults are raised as xmlrpc.client.Fault."""
        proxy = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/object", allow_none=True)
        return proxy.execute_kw(self.db, self.uid, password or self.password, model, method,
                                list(args), kwargs)

    def jsonrpc(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any] | None = None,
                password: str | None = None) -> dict[str, Any]:
        payload = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "service": "object", "method": "execute_kw",
            "args": [self.db, self.uid, password or self.password, model, method, args, kwargs or {}]}}
        answer = self.request("POST", "/jsonrpc", json.dumps(payload),
                              {"Content-Type": "application/json"})
        assert answer.status == 200
        return answer.json()

    def json2(self, model: str, method: str, body: dict[str, Any] | None = None,
              key: str | None = None, headers: dict[str, str] | None = None) -> HttpAnswer:
        all_headers = {"Content-Type": "application/json", "X-Odoo-Database": self.db,
                       "Authorization": f"bearer {key or self.api_key}", **(headers or {})}
        return self.request("POST", f"/json/2/{model}/{method}", json.dumps(body or {}), all_headers)

    def state(self) -> dict[str, Any]:
        return self.request("GET", "/sandbox/state").json()

    def create_bill(self, lines: list[dict[str, Any]], **values: Any) -> int:
        vals = {"move_type": "in_invoice", "partner_id": 45, "ref": "SUB-TEST-1",
                "invoice_date": "2026-11-30", **values,
                "invoice_line_ids": [(0, 0, line) for line in lines]}
        return self.execute("account.move", "create", vals)


@pytest.fixture
def start_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Start fresh sandboxes (any flavour/credentials); all are stopped after the test."""
    servers = []

    def start(flavour: str = "19", **options: Any) -> Sandbox:
        url, server, app = serve_in_thread(port=0, flavour=flavour, **options)
        servers.append(server)
        credentials = {k: v for k, v in options.items() if k in ("db", "password", "api_key")}
        return Sandbox(url, app, **credentials)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def odoo19(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return start_sandbox("19")


@pytest.fixture
def odoo17(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return start_sandbox("17")
