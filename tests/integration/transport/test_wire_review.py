"""A review of the sync client's direct way (transport/wire.py, http11.py) over real sockets: bytes a server
sends past an answer never become the next request's answer; odd answers end as requests ends them, as
transport errors (never a bare exception); the limits hold for memory too; ``close()`` closes a connection
that was in use when it was called. The last tests hold requests' way (a caller's session) to the same
promises: the environment's proxy, and "could not connect" only when nothing was sent."""

from __future__ import annotations

import socket
import threading
import tracemalloc
import zlib
from urllib.parse import urlsplit

import pytest
import requests

from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.protocol.errors import Every8dTransportError
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.http11 import MAX_BODY
from airflow_provider_every8d.transport.sync import Every8dClient
from airflow_provider_every8d.transport.wire import origin_of
from tests.harness.raw_http import RawServer
from tests.harness.raw_http import answer as _answer
from tests.integration.transport.test_lean_post import _client, _outcome
from tests.integration.transport.test_wire import TlsServer, _direct, _kind
from tests.integration.transport.test_wire import certificate as certificate  # the fixture, shared

NEXT = _answer("200 OK", b"999.00")
PAST_THE_ANSWER = {
    "a second answer sent with the first": _answer("200 OK", b"1000.00") + _answer("200 OK", b"STALE"),
    "a 204 with a body": b"HTTP/1.1 204 No Content\r\n\r\n" + _answer("200 OK", b"STALE"),
    "a 304 with its length's bytes": b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nSTALE",
}


def _two(client: Every8dClient) -> list[tuple[object, ...]]:
    return [_kind(_outcome(client)) for _ in range(2)]


def _with_peak(client: Every8dClient) -> tuple[tuple[object, ...], int]:
    """One exchange's outcome and the most memory Python held during it (bytes)."""
    tracemalloc.start()
    try:
        return _outcome(client), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("case", list(PAST_THE_ANSWER))
def test_bytes_past_an_answer_never_answer_the_next_request(serve, case: str) -> None:
    """Read with the first answer into the reader's buffer, they would be the second request's answer (a
    send's outcome taken from bytes that were never its answer); requests drops such a connection."""
    outcomes = []
    for whole_way in (True, False):
        server = RawServer([PAST_THE_ANSWER[case], NEXT])
        serve.append(server)
        with _client(server.url, whole_way=True) if whole_way else _direct(server.url) as client:
            outcomes.append(_two(client))
        assert len(server.seen) == 2
    assert outcomes[1] == outcomes[0]
    assert outcomes[1][1] == ("answer", 200, b"999.00")


def test_over_tls_a_clean_connection_is_reused_and_one_with_bytes_past_its_answer_is_not(serve, certificate
                                                                                          ) -> None:
    clean = TlsServer([_answer("200 OK", b"1000.00"), NEXT], certificate)
    poisoned = TlsServer([PAST_THE_ANSWER["a second answer sent with the first"], NEXT], certificate)
    serve += [clean, poisoned]
    for server, connections in ((clean, 1), (poisoned, 2)):
        with _direct(server.url, verify=str(certificate[0]), timeout=5) as client:
            assert [outcome[2] for outcome in _two(client)] == [b"1000.00", b"999.00"]
        assert len(server.open) == connections


ODD = {
    # str.isdigit() holds for Latin-1's superscripts, int() refuses them: a ValueError escaped the client
    "a length in superscript digits": b"HTTP/1.1 200 OK\r\nContent-Length: \xb2\r\n\r\n10",
    # a code below 100 is no status: taken for an interim 1xx, the client waited for another answer
    "status 099": b"HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\n10",
    # "identity" is no coding (RFC 9112 dropped it); read as one, the body waited for the server's close
    "Transfer-Encoding: identity": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\n10",
    # http.client splits the status line at any run of spaces; read as one space, this was no status line
    "two spaces in the status line": b"HTTP/1.1  200  OK\r\nContent-Length: 2\r\n\r\n10",
    "a status line of its code only": b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\n10",
    "a status code of four digits": b"HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\n10",
    "a status code and text run together": b"HTTP/1.1 200OK\r\nContent-Length: 2\r\n\r\n10",
    "an empty line for a status line": b"\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n10",
}


@pytest.mark.parametrize("case", list(ODD))
def test_odd_answers_end_as_with_requests_whole_way(serve, case: str) -> None:
    outcomes = []
    for whole_way in (True, False):
        server = RawServer([ODD[case], NEXT])  # the server keeps the connection open after the first
        serve.append(server)
        with _client(server.url, whole_way=True) if whole_way else _direct(server.url) as client:
            outcomes.append(_two(client))
    assert outcomes[1] == outcomes[0]
    if outcomes[1][0][0] == "error":
        assert outcomes[1][0][2] is True  # the request went out: it may have reached the server


def test_a_deflate_bomb_is_named_too_large(serve) -> None:
    """A zlib stream past the limit is ContentTooLarge, not retried as raw deflate and named undecodable."""
    bomb = zlib.compress(b"\0" * (MAX_BODY + 1), 9)
    server = RawServer([_answer("200 OK", bomb, "Content-Encoding: deflate")])
    serve.append(server)
    with _direct(server.url) as client:
        assert _kind(_outcome(client)) == ("error", "ContentTooLarge", True, None)


def test_an_answer_of_one_byte_chunks_costs_about_its_size_in_memory(serve) -> None:
    """The limit is 64 MiB of body: one bytes object a chunk made that about 90 bytes of memory a byte."""
    size = 200_000
    server = RawServer([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"1\r\n7\r\n" * size
                        + b"0\r\n\r\n"])
    serve.append(server)
    with _direct(server.url, timeout=30) as client:
        outcome, peak = _with_peak(client)
    assert outcome == ("answer", 200, b"7" * size)
    assert peak < 10 * size


def test_close_closes_a_connection_that_was_in_use(serve) -> None:
    """An exchange that ends after ``close()`` must not put its connection back among the idle ones: it
    would stay open, unseen, after the client was closed."""
    listener = socket.create_server(("127.0.0.1", 0))
    asked, release, after = threading.Event(), threading.Event(), []

    def answer_once() -> None:
        connection, _ = listener.accept()
        with connection:
            while b"demo-password" not in connection.recv(65536):
                pass
            asked.set()
            release.wait(10)
            connection.sendall(_answer("200 OK", b"1000.00"))
            connection.settimeout(10)
            try:
                after.append(connection.recv(1))  # b"": the client closed its end
            except TimeoutError:
                after.append("still open")

    server = threading.Thread(target=answer_once, daemon=True)
    server.start()
    client = _direct(f"http://127.0.0.1:{listener.getsockname()[1]}", timeout=10)
    outcomes: list[tuple[object, ...]] = []
    exchange = threading.Thread(target=lambda: outcomes.append(_outcome(client)))
    exchange.start()
    assert asked.wait(10)
    client.close()
    release.set()
    exchange.join(10)
    server.join(15)
    listener.close()
    assert outcomes == [("answer", 200, b"1000.00")]
    assert after == [b""]


def _settings(url: str) -> ClientSettings:
    return ClientSettings(base_url=url, uid="demo", password="demo-password", timeout=2, connect_retries=0)


def test_a_callers_session_goes_through_the_environments_proxy(serve, monkeypatch) -> None:
    proxy, origin = RawServer([_answer("200 OK", b"1000.00")]), RawServer([_answer("200 OK", b"1000.00")])
    serve += [proxy, origin]
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    for name in ("http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with Every8dClient(_settings(origin.url), requests.Session()) as client:
        assert client.post(build.credit_request(), None) == (200, b"1000.00")
    assert (len(proxy.seen), len(origin.seen)) == (1, 0)


def test_an_os_error_after_the_answer_came_is_not_could_not_connect(serve) -> None:
    """A caller's response hook that fails (a log file on a full disk) runs after the request was sent:
    judged "never reached", a send's ledger entry would be settled and the SMS sent again."""
    server = RawServer([_answer("200 OK", b"1000.00")])
    serve.append(server)
    session = requests.Session()

    def full_disk(response: requests.Response, *args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    session.hooks["response"].append(full_disk)
    with Every8dClient(_settings(server.url), session) as client:
        outcome = client.post(build.credit_request(), None)
    assert len(server.seen) == 1
    assert isinstance(outcome, Every8dTransportError) and outcome.may_have_reached_server


@pytest.mark.parametrize("host", ["straße.de", "BÜCHER.example:8443", "ΣΊΣΥΦΟΣ.gr"])
def test_a_host_beyond_ascii_is_the_one_requests_asks_for(host: str) -> None:
    """Python's IDNA 2003 codec maps "ß" to "ss": another domain (another owner) than requests' IDNA 2008."""
    prepared = requests.models.PreparedRequest()
    prepared.prepare_url(f"https://{host}/API21/HTTP/getCredit.ashx", None)
    assert origin_of(f"https://{host}/API21/HTTP/getCredit.ashx").host == urlsplit(str(prepared.url)).hostname


@pytest.mark.parametrize("host", ["a" * 64 + ".example", "a..example"])
def test_a_host_name_that_cannot_be_looked_up_is_refused_before_sending(host: str) -> None:
    with _direct(f"http://{host}") as client:
        outcome = client.post(build.credit_request(), None)  # a bare UnicodeError escaped the client
    assert isinstance(outcome, Every8dTransportError) and not outcome.may_have_reached_server
    assert "InvalidURL" in str(outcome)


def test_an_answer_ended_by_the_close_asks_for_about_its_size_in_memory(serve) -> None:
    """Read as read(64 MiB + 1), each such answer allocated 64 MiB (a MemoryError where memory is not
    overcommitted, escaping the client after the request went out)."""
    server = RawServer([b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"7" * 100_000])
    serve.append(server)
    with _direct(server.url) as client:
        outcome, peak = _with_peak(client)
    assert outcome == ("answer", 200, b"7" * 100_000)
    assert peak < 2_000_000


@pytest.mark.parametrize(("length", "expected"), [
    (b"9" * 5000, ("error", "ContentTooLarge", True, None)),
    (b"0" * 5000 + b"2", ("answer", 200, b"10")),
])
def test_a_length_of_thousands_of_digits_is_read_or_refused_not_raised(serve, length: bytes, expected) -> None:
    """int() refuses a string of more than 4,300 digits: a bare ValueError escaped the client (after the
    request went out) instead of a transport error that says it may have reached the server."""
    server = RawServer([b"HTTP/1.1 200 OK\r\nContent-Length: " + length + b"\r\n\r\n10"])
    serve.append(server)
    with _direct(server.url) as client:
        assert _kind(_outcome(client)) == expected
