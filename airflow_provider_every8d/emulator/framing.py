"""HTTP framing: how an answer's body is delimited on the wire (mode ``framing``).

The real platform's framing is not documented: IIS and ASP.NET handlers, or a balancer in front of them,
may send any of these, so the clients are tested against all of them.

==============  =====================================================================================
framing         on the wire
==============  =====================================================================================
``length``      ``Content-Length``; the connection stays open for the next request (the default)
``chunked``     ``Transfer-Encoding: chunked``: the body in chunks of at most 4,096 bytes, and in at least
                two whenever it has two bytes or more, then the ``0`` chunk (no trailers)
``close``       ``Content-Length`` and ``Connection: close``; the server closes after the answer
``eof``         no ``Content-Length``, no chunks: ``Connection: close``, the body ends when the server
                closes the connection (HTTP/1.0 style)
``idle-close``  ``Content-Length`` and no ``Connection`` header (kept alive, to the client's eyes), but the
                server closes the connection straight after the answer, as a balancer with a tiny idle
                timeout does: a request sent on it later never reaches the server
==============  =====================================================================================

With ``idle-close`` the server's FIN leaves with the answer's last bytes (TCP_CORK, where the system has
it), so the connection is always closed by the time the client can reuse it: a client that writes its
next request on it gets a reset or an empty read, never an answer. A request that is not HTTP/1.1 gets
``eof`` instead of ``chunked`` (HTTP/1.0 has no chunks).
"""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

FRAMINGS = ("length", "chunked", "close", "eof", "idle-close")
CHUNK_SIZE = 4096


@dataclass(frozen=True)
class Reply:
    """One answer to write. ``declared``: a ``Content-Length`` to promise instead of the body's own (the
    ``truncated`` fault's short read); with ``chunked`` the last chunk is left out instead."""

    status: int
    body: bytes
    content_type: str
    declared: int | None = None


def chunks(body: bytes, limit: int = CHUNK_SIZE) -> list[bytes]:
    """``body`` cut into pieces of at most ``limit`` bytes, at least two when it has two bytes or more."""
    size = max(1, min(limit, (len(body) + 1) // 2))
    return [body[start : start + size] for start in range(0, len(body), size)]


def write(handler: BaseHTTPRequestHandler, reply: Reply, framing: str) -> None:
    """Write ``reply`` on ``handler``'s connection, framed as ``framing`` says (see the module table)."""
    if framing not in FRAMINGS:
        raise ValueError(f"mode framing={framing!r}: not one of {FRAMINGS}")
    if framing == "chunked" and handler.request_version != "HTTP/1.1":
        framing = "eof"
    handler.send_response(reply.status)
    handler.send_header("Content-Type", reply.content_type)
    if framing == "chunked":
        handler.send_header("Transfer-Encoding", "chunked")
    elif framing == "eof":
        handler.send_header("Connection", "close")  # also makes the handler close after this answer
    else:
        handler.send_header("Content-Length", str(len(reply.body) if reply.declared is None else reply.declared))
        if framing == "close":
            handler.send_header("Connection", "close")
    if framing == "idle-close":
        _cork(handler.connection)
    handler.end_headers()
    if framing != "chunked":
        handler.wfile.write(reply.body)
    else:
        for piece in chunks(reply.body):
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        if reply.declared is None:
            handler.wfile.write(b"0\r\n\r\n")
    if framing == "idle-close":
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.shutdown(socket.SHUT_WR)  # the FIN goes with the corked answer


def _cork(connection: socket.socket) -> None:
    """Hold the answer back until the FIN can go with it (Linux's TCP_CORK; elsewhere a no-op)."""
    cork = getattr(socket, "TCP_CORK", None)
    if cork is not None:
        with contextlib.suppress(OSError):
            connection.setsockopt(socket.IPPROTO_TCP, cork, 1)
