"""Fixtures of the transport tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harness.raw_http import RawServer


@pytest.fixture
def serve() -> Iterator[list[RawServer]]:
    """Servers a test appends here are closed when it ends."""
    servers: list[RawServer] = []
    yield servers
    for server in servers:
        server.close()
