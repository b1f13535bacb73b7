"""HTTP: find the endpoint, read the fields, apply a fault if one fires, write the answer.

Any path prefix before ``/API21/HTTP/`` is accepted (dedicated-platform URLs carry one) and the
endpoint is matched case-insensitively. POST bodies are urlencoded UTF-8 (1.5: JSON); GET query
strings work too, as in the spec's examples; for a POST, body fields win over query fields.
HTTP/1.1 with an exact Content-Length, so clients can keep connections alive (mode ``framing``: chunked,
closed after each answer, ended by the close, or closed while seeming kept alive; see :mod:`.framing`).
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from . import framing
from .api22 import BEARER_FIELD, bearer
from .endpoints import JSON_ENDPOINTS, Answer, Handler, dispatch, error_answer
from .faults import FaultRule, Faults
from .state import Store

API_MARK = "/api21/http/"
BOM = b"\xef\xbb\xbf"
MAX_BODY = 64 * 1024 * 1024
"""Refuse bodies beyond any real MMS (300 KiB base64) by far, rather than read them into memory."""
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head>"
    b"<body><h1>Service Unavailable</h1><p>The service is temporarily unavailable.</p></body></html>"
)


@dataclass(frozen=True)
class RequestRecord:
    """One request as it arrived, for tests (``emu.requests``). ``fields`` is the JSON object for 1.5."""

    method: str
    path: str
    endpoint: str | None
    query: str
    fields: Mapping[str, Any]
    headers: Mapping[str, str]
    client: tuple[str, int]
    fault: str | None
    body: bytes = field(repr=False, default=b"")

    def __repr__(self) -> str:
        """Without the password or a bearer token (a repr lands in test output and logs) and without the
        body and the query, which hold them in their encoded forms."""
        fields = {name: "***" if _SECRET_NAME.search(name) else value for name, value in self.fields.items()}
        return (f"RequestRecord(method={self.method!r}, path={self.path!r}, endpoint={self.endpoint!r}, "
                f"fields={fields!r}, fault={self.fault!r})")


_SECRET_NAME = re.compile(r"pwd|pass|token|secret|authorization", re.IGNORECASE)
_QUERY = re.compile(r"\?[^\s\"]*")


class Context(Protocol):
    """What the handler needs from the emulator."""

    store: Store
    faults: Faults
    routes: Mapping[str, Handler]
    verbose: bool

    def record(self, request: RequestRecord) -> None: ...


def resolve(path: str, routes: Mapping[str, Handler]) -> str | None:
    """``/prefix/API21/HTTP/mms/SendMMS.ashx`` -> ``"MMS/sendMMS"``; None for anything else."""
    lower = unquote(path).lower()
    index = lower.find(API_MARK)
    if index < 0:
        return None
    rest = lower[index + len(API_MARK) :]
    return next((name for name in routes if name.lower() + ".ashx" == rest), None)


def parse_fields(endpoint: str, method: str, query: str, body: bytes) -> tuple[dict[str, Any], str | None]:
    """Fields of the request, and a problem text when the body cannot be read at all."""
    fields: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        fields.setdefault(key, value)
    text = body.decode("utf-8", errors="replace").lstrip("\ufeff")
    if method != "POST" or not text.strip():
        return fields, None
    if endpoint in JSON_ENDPOINTS:
        try:
            parsed = json.loads(text)
        except ValueError:
            return fields, "參數錯誤:JSON 格式錯誤"
        if not isinstance(parsed, dict):
            return fields, "參數錯誤:JSON 須為物件"
        return {**fields, **parsed}, None
    form: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        form.setdefault(key, value)
    return {**fields, **form}, None


class EmulatorHTTPServer(ThreadingHTTPServer):
    """Daemon threads, quiet errors, and the open connections tracked so ``stop()`` can end them."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024
    """The listen backlog (socketserver's default is 5): a pool opening 100 kept-alive connections at once
    must not see its connection attempts dropped and retried a second or more later."""

    def __init__(self, address: tuple[str, int], context: Context) -> None:
        self.context = context
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, EmulatorRequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self.connections_lock:
            open_now = list(self.connections)
        for connection in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.context.verbose:
            super().handle_error(request, client_address)


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "EVERY8D-emulator/2.1"
    disable_nagle_algorithm = True
    """TCP_NODELAY: headers and body go out as two writes; with Nagle on, a kept-alive client waits for
    its delayed ACK (about 40 ms on Linux) before the body arrives (benchmarks/RESULTS.md, bulk send)."""
    server: EmulatorHTTPServer

    _responded = False

    def do_GET(self) -> None:
        self._guarded()

    def do_POST(self) -> None:
        self._guarded()

    def _guarded(self) -> None:
        """Whatever arrives (a bad Content-Length, broken chunks), answer ``-99`` rather than die."""
        self._responded = False
        try:
            self._handle()
        except Exception:  # garbage must never crash the server
            if self.server.context.verbose:
                traceback.print_exc()
            if not self._responded:
                self.close_connection = True
                self._reply(200, "-99,主機端發生不明錯誤".encode(), "text/plain; charset=utf-8")

    def log_message(self, format: str, *args: Any) -> None:
        """``--verbose``: one line per request, its query left out (a GET, as the vendor's examples send
        them, carries UID and PWD in it)."""
        if self.server.context.verbose:
            line = _QUERY.sub("?***", format % args)
            sys.stderr.write(f"every8d-emulator {self.address_string()} {line}\n")

    # --- steps ----------------------------------------------------------------------------
    def _handle(self) -> None:
        context = self.server.context
        split = urlsplit(self.path)
        body = self._read_body()
        endpoint = resolve(split.path, context.routes)
        rule = context.faults.pick(endpoint) if endpoint else None
        fields, problem = parse_fields(endpoint or "", self.command, split.query, body)
        context.record(
            RequestRecord(
                method=self.command,
                path=split.path,
                endpoint=endpoint,
                query=split.query,
                fields=fields,
                headers=dict(self.headers.items()),
                client=(str(self.client_address[0]), int(self.client_address[1])),
                fault=rule.kind if rule else None,
                body=body,
            )
        )
        if endpoint is None:
            self._reply(404, b"Not Found", "text/plain; charset=utf-8")
            return
        token = bearer(dict(self.headers.items()))  # API 2.2: read by api22's routes only, never recorded in fields
        if token is not None:
            fields = {**fields, BEARER_FIELD: token}
        if rule is not None and self._fault_before(rule, body):
            return
        if problem is not None:
            answer = error_answer(endpoint, -1, problem, context.store.modes)
        else:
            before = len(context.store.messages)
            answer = dispatch(context.routes, context.store, endpoint, fields)
            if context.verbose:  # what the phones would show: each accepted message as texted
                for message in context.store.messages[before:]:
                    sys.stderr.write(f"every8d-emulator texted {message.mobile} ({message.kind}, batch "
                                     f"{message.batch_id}, {message.send_time:%Y-%m-%d %H:%M:%S}): "
                                     f"{message.text!r}\n")
        self._answer(answer, rule)

    def _fault_before(self, rule: FaultRule, body: bytes) -> bool:
        """Faults that replace processing; True when the request is finished."""
        if rule.kind == "slow":
            time.sleep(rule.delay)
            return False
        if rule.kind == "reset":
            self._abort()
        elif rule.kind == "http_500":
            self._reply(rule.status, f"HTTP {rule.status}".encode(), "text/plain; charset=utf-8")
        elif rule.kind == "html":
            self._reply(200, HTML_PAGE, "text/html; charset=utf-8")
        elif rule.kind == "echo":
            self._reply(rule.status, b"received " + body, "text/plain; charset=utf-8")
        elif rule.kind == "garbage":
            self._reply(200, self.server.context.faults.garbage(rule), "text/plain; charset=utf-8")
        else:
            return False
        return True

    def _answer(self, answer: Answer, rule: FaultRule | None) -> None:
        body = answer.body.encode(answer.encoding, "replace")
        kind = rule.kind if rule else None
        if kind == "drop_after_accept":
            self._abort()
            return
        if kind == "bom":
            body = BOM + body
        elif kind == "crlf":
            body += b"\r\n"
        elif kind == "truncated" and rule is not None:
            cut = body[: len(body) // 2]
            if rule.short_read:
                self._reply(200, cut, answer.content_type, declared=len(body))
                self.close_connection = True  # a clean close (FIN), so the client sees a short read
                return
            body = cut
        self._reply(200, body, answer.content_type)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError(f"Content-Length {length}: over {MAX_BODY} bytes")
        return self.rfile.read(length) if length > 0 else b""

    def _reply(self, status: int, body: bytes, content_type: str, declared: int | None = None) -> None:
        self._responded = True
        reply = framing.Reply(status, body, content_type, declared)
        framing.write(self, reply, self.server.context.store.modes.framing)

    def _abort(self) -> None:
        """Drop the connection with a TCP RST and no answer (the socket really closes once
        the handler's file objects are closed by ``finish()``)."""
        self._responded = True
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.connection.close()
