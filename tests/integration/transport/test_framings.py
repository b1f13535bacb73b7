"""Both transports against every HTTP framing the real server may use (the emulator's mode ``framing``):
Content-Length, chunked, ``Connection: close``, a body ended by the close, and a kept-alive connection the
server closes between requests. Each answer must be read whole, a send must reach the server once, and a
client must carry on after the server closed its connection."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator, Modes
from airflow_provider_every8d.emulator.__main__ import parse_args
from airflow_provider_every8d.emulator.framing import FRAMINGS
from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.aio import AsyncEvery8dClient
from airflow_provider_every8d.transport.sync import Every8dClient
from tests.helpers import numbers

TRANSPORTS = ("sync", "async")
FEW = ["0900000131", "0900000132", "0900000133"]
BULK = numbers(2500, start=2000)  # 0900002000 ...: three pages of status rows, none of them FEW
CREDIT = 10_000.0
Step = Callable[[Any, list[Any]], Any]
"""One call on a client, given the results of the steps before it (a value, or an awaitable for async)."""

pytestmark = pytest.mark.every8d(delivery_seconds=0, credit=CREDIT)


def _on_one_client(transport: str, emulator: Every8dEmulator, *steps: Step) -> list[Any]:
    """Run ``steps`` in order on one client of ``transport``; their results."""
    settings = ClientSettings(base_url=emulator.url, uid="demo", password="demo-password", timeout=10.0)
    results: list[Any] = []
    if transport == "sync":
        with Every8dClient(settings) as client:
            for step in steps:
                results.append(step(client, results))
        return results

    async def run() -> list[Any]:
        async with AsyncEvery8dClient(settings) as client:
            for step in steps:
                results.append(await step(client, results))
        return results

    return asyncio.run(run())


def credit(client: Any, earlier: list[Any]) -> Any:
    return client.call(build.credit_request())


def send(recipients: list[str]) -> Step:
    return lambda client, earlier: client.call(build.sms_request("framing test", recipients))


def summary_of_last_batch(client: Any, earlier: list[Any]) -> Any:
    batch = next(result.batch_id for result in reversed(earlier) if hasattr(result, "batch_id"))
    return client.get_delivery_summary([batch])


def _calls(emulator: Every8dEmulator, endpoint: str) -> list[Any]:
    return [request for request in emulator.requests if request.endpoint == endpoint]


@pytest.fixture(params=FRAMINGS)
def framed(request: pytest.FixtureRequest, every8d_emulator: Every8dEmulator) -> Every8dEmulator:
    """The fixture's emulator, answering in one framing (set the way any mode is: ``emu.modes.<name>``)."""
    every8d_emulator.modes.framing = request.param
    return every8d_emulator


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_credit_is_read_whole(framed: Every8dEmulator, transport: str) -> None:
    framed.set_credit("demo", 1234.5)
    assert _on_one_client(transport, framed, credit) == [1234.5]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_send_reaches_the_server_once(framed: Every8dEmulator, transport: str) -> None:
    (result,) = _on_one_client(transport, framed, send(FEW))
    assert (result.sent, result.unsent) == (len(FEW), 0)
    assert len(_calls(framed, "sendSMS")) == 1
    assert [framed.sent_count(number) for number in FEW] == [1, 1, 1]
    assert framed.credit() == CREDIT - len(FEW) and result.batch_id in framed.store.batches


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_scan_over_three_pages_counts_every_row_once(framed: Every8dEmulator, transport: str) -> None:
    sent, summary = _on_one_client(transport, framed, send(BULK), summary_of_last_batch)
    assert sent.sent == len(BULK) == 2500
    assert (summary.total, summary.by_status[100], summary.complete) == (2500, 2500, True)
    assert [call.fields["PNO"] for call in _calls(framed, "getDeliveryStatus")] == ["1", "2", "3"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_calls_in_a_row_on_one_client(framed: Every8dEmulator, transport: str) -> None:
    """Query, send, query, send, scan, query: on ``idle-close`` every call after the first meets a connection
    the server has closed, and must still be answered, each send going out exactly once."""
    steps = (credit, send(FEW[:1]), credit, send(FEW[1:]), summary_of_last_batch, credit)
    first, one, second, two, summary, last = _on_one_client(transport, framed, *steps)
    assert (first, second, last) == (CREDIT, CREDIT - 1, CREDIT - len(FEW))
    assert (one.sent, two.sent, summary.total, summary.complete) == (1, 2, 2, True)
    assert len(_calls(framed, "sendSMS")) == 2 and [framed.sent_count(number) for number in FEW] == [1, 1, 1]
    assert len(framed.requests) == len(steps)  # nothing tried twice


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_connections_are_reused_only_where_the_server_keeps_them(framed: Every8dEmulator, transport: str) -> None:
    _on_one_client(transport, framed, credit, credit, credit)
    ports = [request.client[1] for request in framed.requests]
    kept_alive = framed.modes.framing in ("length", "chunked")
    assert len(ports) == 3 and len(set(ports)) == (1 if kept_alive else 3)


# --- the emulator's side, read from the socket (no client code) --------------------------------------------
def _exchange(sock: socket.socket, path: str = "/API21/HTTP/getCredit.ashx") -> tuple[dict[str, str], bytes]:
    """POST getCredit on ``sock``; the answer's headers (lower-case names) and the raw bytes after them,
    read until the body is complete (Content-Length or the 0 chunk) or the server closes."""
    body = b"UID=demo&PWD=demo-password"
    sock.sendall(b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 b"Content-Length: %d\r\n\r\n%s" % (path.encode(), len(body), body))
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1.1 200")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    while True:
        if "content-length" in headers and len(rest) >= int(headers["content-length"]):
            return headers, rest
        if headers.get("transfer-encoding") == "chunked" and rest.endswith(b"\r\n0\r\n\r\n"):
            return headers, rest
        more = sock.recv(65536)
        if not more:
            return headers, rest
        rest += more


def _closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def _unchunk(raw: bytes) -> list[bytes]:
    pieces: list[bytes] = []
    while True:
        size_line, _, raw = raw.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            assert raw == b"\r\n"
            return pieces
        pieces.append(raw[:size])
        assert raw[size : size + 2] == b"\r\n"
        raw = raw[size + 2 :]


def test_the_emulator_frames_its_answers_as_told(every8d_emulator: Every8dEmulator) -> None:
    every8d_emulator.set_credit("demo", 98765.25)
    seen: dict[str, tuple[dict[str, str], bytes]] = {}
    for framing in FRAMINGS:
        every8d_emulator.modes.framing = framing
        with socket.create_connection(("127.0.0.1", every8d_emulator.port), timeout=5) as sock:
            headers, raw = _exchange(sock)
            if framing in ("length", "chunked"):  # kept alive: a second answer on the same socket
                assert _exchange(sock)[1] == raw
            else:
                assert _closed_by_server(sock)
        seen[framing] = headers, raw
    text = seen["length"][1]
    assert text.startswith(b"98765.25") and "connection" not in seen["length"][0]
    chunked_headers, chunked = seen["chunked"]
    assert "content-length" not in chunked_headers and len(_unchunk(chunked)) >= 2
    assert b"".join(_unchunk(chunked)) == text
    assert seen["close"] == ({**seen["length"][0], "connection": "close", "date": seen["close"][0]["date"]}, text)
    assert "content-length" not in seen["eof"][0] and seen["eof"][0]["connection"] == "close"
    assert seen["eof"][1] == text
    idle_headers, idle = seen["idle-close"]
    assert "connection" not in idle_headers and idle_headers["content-length"] == str(len(text)) and idle == text


def test_a_status_page_comes_in_chunks_of_at_most_4096_bytes(every8d_emulator: Every8dEmulator) -> None:
    (sent,) = _on_one_client("sync", every8d_emulator, send(BULK[:1000]))
    every8d_emulator.modes.framing = "chunked"
    path = f"/API21/HTTP/getDeliveryStatus.ashx?BID={sent.batch_id}&PNO=1"
    with socket.create_connection(("127.0.0.1", every8d_emulator.port), timeout=5) as sock:
        pieces = _unchunk(_exchange(sock, path)[1])
    assert len(pieces) > 2 and max(map(len, pieces)) <= 4096
    assert b"".join(pieces).decode().count("\n") >= 1000  # the count line and 1,000 rows


@pytest.mark.parametrize("argv, chunked", [([], False), (["--framing", "chunked"], True),
                                           (["--realistic", "--framing", "chunked"], True)])
def test_the_command_line_takes_a_framing(argv: list[str], chunked: bool) -> None:
    command = [sys.executable, "-m", "airflow_provider_every8d.emulator", "--port", "0", *argv]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "EVERY8D_EMULATOR_PASSWORD": "demo-password"})
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            headers, raw = _exchange(sock)
    finally:
        process.terminate()
        process.wait(10)
    assert ("transfer-encoding" in headers, "content-length" in headers) == (chunked, not chunked)
    assert (b"".join(_unchunk(raw)) if chunked else raw).startswith(b"1000")


def test_an_unknown_framing_is_refused_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--framing", "gzip"])
    assert "--framing" in capsys.readouterr().err
    with pytest.raises(ValueError, match="framing='gzip'"):
        Modes(framing="gzip")
