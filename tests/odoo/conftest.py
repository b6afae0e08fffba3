"""Fixtures for the Odoo connector tests: replayed Odoo servers on 127.0.0.1 only."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from odoo_replay import Recording, ReplayServer, SilentServer


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
