"""``PortZeroFix``: lets the UI's connection Test work for ``every8d`` connections on Airflow 3.3.2.

The Test icon in a connection's row posts ``port: Number(connection.port)``, and ``Number(null)`` is ``0``.
Airflow 3.3.2's ``POST /api/v2/connections/test`` compares that 0 with the stored NULL, decides the port
"differs from the stored connection" and answers 400 (apache/airflow#73298, fixed in the API after 3.3.2 by
treating 0 like an empty port). An ``every8d`` connection never has a port of its own (the Base URL
carries it, and the form hides the Port field), so this root middleware does what the upstream fix does,
for this connection type only: a test request with ``"conn_type": "every8d"`` and ``"port": 0`` is passed
on without the port. Host, credentials and every other request are untouched; once Airflow accepts 0
itself, the rewrite changes nothing.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from airflow_provider_every8d.constants import CONN_TYPE

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

TEST_PATH = "/api/v2/connections/test"
MAX_BODY = 1 << 20
"""A connection form is a few kilobytes; a larger body is passed on as it came."""


def without_port_zero(body: bytes) -> bytes | None:
    """The body without ``"port": 0`` when it tests an ``every8d`` connection; None to keep it as it is."""
    try:
        data: Any = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("conn_type") != CONN_TYPE or data.get("port") != 0:
        return None
    del data["port"]
    return json.dumps(data).encode()


class PortZeroFix:
    """Root middleware (``AirflowPlugin.fastapi_root_middlewares``) for ``POST /api/v2/connections/test``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        below_root = path.removeprefix(scope.get("root_path", "") or "")
        if scope["type"] != "http" or scope.get("method") != "POST" or below_root != TEST_PATH:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more and size <= MAX_BODY:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: let the app see it
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
        body = b"".join(chunks)
        fixed = None if more else without_port_zero(body)
        if fixed is None:
            await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": more}], receive),
                           send)
            return
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(fixed)).encode()))
        await self.app({**scope, "headers": headers}, _replay([{"type": "http.request", "body": fixed}], receive),
                       send)


def _replay(messages: list[Message], then: Receive) -> Receive:
    """A ``receive`` that hands out ``messages`` first, then defers to ``then`` (the rest of the body, or
    the client's disconnect)."""
    queue = list(messages)

    async def receive() -> Message:
        return queue.pop(0) if queue else await then()

    return receive
