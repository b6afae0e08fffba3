"""Fixtures for the Odoo connector tests: replayed Odoo servers on 127.0.0.1 only."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from odoo_replay import Recording, ReplayServer, SilentServer

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that opens a connection beyond 127.0.0.1."""
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: object) -> None:
        if isinstance(address, tuple) and address[0] not in LOOPBACK_HOSTS:
            raise AssertionError(f"test tried to reach {address!r}; only 127.0.0.1 is allowed")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture
def replay() -> Iterator[Callable[[list[Recording]], ReplayServer]]:
    """Start a ReplayServer for the given recordings; fail if a request matched none."""
    servers: list[ReplayServer] = []

    def start(recordings: list[Recording]) -> ReplayServer:
        server = ReplayServer(recordings).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
    unmatched = [request.call.key for server in servers for request in server.unmatched]
    assert not unmatched, f"requests with no recording: {unmatched}"


@pytest.fixture
def silent_server() -> Iterator[Callable[..., SilentServer]]:
    servers: list[SilentServer] = []

    def start(*, drop: bool = False) -> SilentServer:
        server = SilentServer(drop=drop).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
