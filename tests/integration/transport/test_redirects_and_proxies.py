"""Where the request goes, over real sockets, for both transports: never to a redirect's target, and
through the connection's ``extra.proxies`` even when the environment names another proxy."""

from __future__ import annotations

import asyncio
import socket
import threading
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.protocol.errors import Every8dTransportError
from airflow_provider_every8d.protocol.request import ApiRequest
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.aio import AsyncEvery8dClient
from airflow_provider_every8d.transport.sync import Every8dClient

PASSWORD = "demo-password"


class Recorder(ThreadingHTTPServer):
    """A local HTTP server that records every request (target and body) and answers with ``answer``."""

    daemon_threads = True

    def __init__(self, answer: Callable[[BaseHTTPRequestHandler, bytes], None]) -> None:
        self.answer = answer
        self.seen: list[tuple[str, str, bytes]] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Recorder

    def _any(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append((self.command, self.path, body))
        self.server.answer(self, body)

    do_GET = do_POST = _any

    def log_message(self, *args: Any) -> None:
        pass


def _reply(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"", **headers: str) -> None:
    handler.send_response(status)
    for name, value in {**headers, "Content-Length": str(len(body))}.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[BaseHTTPRequestHandler, bytes], None]], Recorder]]:
    servers: list[Recorder] = []

    def start(answer: Callable[[BaseHTTPRequestHandler, bytes], None]) -> Recorder:
        server = Recorder(answer)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _dead_address() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def _call(transport: str, settings: ClientSettings, request: ApiRequest) -> Any:
    if transport == "requests":
        with Every8dClient(settings) as client:
            return client.call(request)

    async def run() -> Any:
        async with AsyncEvery8dClient(settings) as client:
            return await client.call(request)

    return asyncio.run(run())


TRANSPORTS = ["requests", "httpx"]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(("status", "request_"), [
    (307, build.sms_request("once", "0900000001")),  # 307/308 keep the method and body: a second send
    (308, build.credit_request()),
    (302, build.credit_request()),
])
def test_a_redirect_is_not_followed(serve, transport: str, status: int, request_: ApiRequest) -> None:
    elsewhere = serve(lambda handler, body: _reply(handler, 200, b"998.00,1,1,0,x"))
    redirecting = serve(lambda handler, body: _reply(handler, status, Location=elsewhere.url + handler.path))
    settings = ClientSettings(base_url=redirecting.url, uid="demo", password=PASSWORD, connect_retries=0)

    with pytest.raises(Every8dTransportError) as caught:
        _call(transport, settings, request_)

    assert elsewhere.seen == []  # neither the password nor the message went to the redirect's target
    assert len(redirecting.seen) == 1  # and a send was not repeated
    assert caught.value.status_code == status and caught.value.may_have_reached_server


def _forwarding_proxy(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    """A plain-HTTP forward proxy: the request line holds the absolute URL to pass the body on to."""
    upstream = urllib.request.Request(handler.path, data=body or None, method=handler.command,
                                      headers={"Content-Type": handler.headers.get("Content-Type", "")})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(upstream, timeout=5) as answer:
        _reply(handler, answer.status, answer.read())


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_connections_proxies_win_over_the_environments(every8d_emulator, serve, monkeypatch,
                                                           transport: str) -> None:
    dead = _dead_address()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, dead)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    proxy = serve(_forwarding_proxy)
    settings = ClientSettings(base_url=every8d_emulator.url, uid="demo", password=PASSWORD, connect_retries=0,
                              proxies={"http": proxy.url, "https": proxy.url})

    assert _call(transport, settings, build.credit_request()) == 1000.0

    ((method, target, _),) = proxy.seen
    assert (method, target) == ("POST", f"{every8d_emulator.url}/API21/HTTP/getCredit.ashx")
    assert [r.endpoint for r in every8d_emulator.requests] == ["getCredit"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_without_connection_proxies_the_environments_proxy_is_used(every8d_emulator, serve, monkeypatch,
                                                                   transport: str) -> None:
    proxy = serve(_forwarding_proxy)
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, proxy.url)
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    settings = ClientSettings(base_url=every8d_emulator.url, uid="demo", password=PASSWORD, connect_retries=0)

    assert _call(transport, settings, build.credit_request()) == 1000.0
    assert len(proxy.seen) == 1
