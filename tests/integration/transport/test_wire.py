"""The sync client's direct way (transport/wire.py: HTTP/1.1 on the standard library's sockets) over real
sockets: each answer ends as requests' whole way ends it, the request's bytes, the framings requests reads,
connections kept and dropped, refusals before anything is sent, the limits against a hostile server, TLS."""

from __future__ import annotations

import datetime
import socket
import ssl
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.protocol.errors import Every8dTransportError
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport import wire
from airflow_provider_every8d.transport.http11 import MAX_HEADERS, MAX_LINE
from airflow_provider_every8d.transport.sync import Every8dClient
from tests.harness.raw_http import ANSWERS, RawServer
from tests.harness.raw_http import answer as _answer
from tests.integration.transport.test_lean_post import _client, _outcome

CREDIT = b"POST /API21/HTTP/getCredit.ashx HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\n"


def _direct(url: str, **options: object) -> Every8dClient:
    client = Every8dClient(ClientSettings(**{"base_url": url, "uid": "demo", "password": "demo-password",
                                             "timeout": 0.5, "connect_retries": 0, **options}))  # type: ignore[arg-type]
    assert client.direct
    return client


def _kind(outcome: tuple[object, ...]) -> tuple[object, ...]:
    """An outcome with an error's text cut to its kind (the direct way adds what went wrong after it)."""
    if outcome[0] != "error":
        return outcome
    text = str(outcome[1]).split(": ", 1)[1]
    return "error", text.split(",")[0].split(" (")[0], *outcome[2:]


@pytest.mark.parametrize("case", list(ANSWERS))
def test_each_answer_ends_as_with_requests_whole_way(serve, case: str) -> None:
    reference, direct = RawServer(list(ANSWERS[case])), RawServer(list(ANSWERS[case]))
    serve += [reference, direct]
    with _client(reference.url, whole_way=True) as client:
        expected = _kind(_outcome(client))
    with _direct(direct.url) as client:
        found = _kind(_outcome(client))
    if case == "never":  # requests names the read that timed out a ConnectionError; the direct way says what
        expected = ("error", "ReadTimeout", *expected[2:])
    assert found == expected
    assert len(direct.seen) == 1 and direct.seen[0].startswith(CREDIT)


def test_the_request_on_the_wire(serve) -> None:
    server = RawServer([_answer("200 OK", b"1000.00")])
    serve.append(server)
    with _direct(server.url) as client:
        assert _outcome(client) == ("answer", 200, b"1000.00")
    assert server.seen == [CREDIT + b"User-Agent: airflow-provider-every8d/0.1.0 (stdlib)\r\nAccept: */*\r\n"
                           b"Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
                           b"Content-Length: 26\r\n\r\nUID=demo&PWD=demo-password"]


OK = ("answer", 200, b"1000.00")
BROKEN = ("error", "ConnectionError", True, None)
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
FRAMINGS = {
    "interim 100 first": ([b"HTTP/1.1 100 Continue\r\n\r\n" + _answer("200 OK", b"1000.00")], OK),
    "HTTP/1.0, ends at close": ([b"HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n1000.00"], OK),
    "folded header": ([b"HTTP/1.1 200 OK\r\nX-Note: a\r\n b\r\nContent-Length: 7\r\n\r\n1000.00"], OK),
    "chunk extension, trailer": ([CHUNKED + b"7;x=1\r\n1000.00\r\n0\r\nX-T: 1\r\n\r\n"], OK),
    "ambiguous length": ([b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n1000.00"], BROKEN),
    "not HTTP": ([b"SSH-2.0-OpenSSH\r\n\r\n"], BROKEN),
    "endless line": ([b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * MAX_LINE + b"\r\n\r\n"], BROKEN),
    "endless headers": ([b"HTTP/1.1 200 OK\r\n" + b"X-A: 1\r\n" * (MAX_HEADERS + 1) + b"\r\n"], BROKEN),
    "huge length": ([b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n1000.00"],
                    ("error", "ContentTooLarge", True, None)),
    "space before a colon": ([b"HTTP/1.1 200 OK\r\nContent-Length : 7\r\n\r\n1000.00"], BROKEN),
    "chunk past its size": ([CHUNKED + b"2\r\n1000\r\n0\r\n\r\n"], ("error", "ChunkedEncodingError", True, None)),
}


@pytest.mark.parametrize("case", list(FRAMINGS))
def test_framings_and_hostile_answers(serve, case: str) -> None:
    answers, expected = FRAMINGS[case]
    server = RawServer(list(answers))
    serve.append(server)
    with _direct(server.url) as client:
        assert _kind(_outcome(client)) == expected
    assert len(server.seen) == 1


@pytest.mark.parametrize(("first", "reused"), [
    (_answer("200 OK", b"1000.00"), True),
    (_answer("200 OK", b"1000.00", "Connection: close"), False),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 7\r\n\r\n7\r\n1000.00\r\n0\r\n\r\n", False),
])
def test_a_connection_is_kept_unless_the_answer_says_otherwise(serve, first: bytes, reused: bool) -> None:
    server = RawServer([first, _answer("200 OK", b"999.00")])
    serve.append(server)
    with _direct(server.url) as client:
        assert [_outcome(client)[2] for _ in range(2)] == [b"1000.00", b"999.00"]
    assert len(server.open) == (1 if reused else 2) and len(server.seen) == 2


def test_an_idle_connection_the_server_closed_is_not_reused(serve) -> None:
    server = RawServer([_answer("200 OK", b"1000.00"), _answer("200 OK", b"999.00")])
    serve.append(server)
    with _direct(server.url) as client:
        assert _outcome(client) == ("answer", 200, b"1000.00")
        server.open[0].shutdown(socket.SHUT_RDWR)  # a load balancer's idle timeout, no Connection: close
        time.sleep(0.1)
        assert _outcome(client) == ("answer", 200, b"999.00")
    assert len(server.seen) == 2 and len(server.open) == 2


def test_a_header_that_could_end_early_is_refused_before_sending(serve) -> None:
    server = RawServer([_answer("200 OK", b"1000.00")])
    serve.append(server)
    with _direct(server.url) as client:
        outcome = client.post(build.credit_request(), "token\r\nX-Injected: 1")  # a hostile token answer
    assert isinstance(outcome, Every8dTransportError) and not outcome.may_have_reached_server
    assert "InvalidHeader" in str(outcome) and "X-Injected" not in str(outcome)
    assert server.seen == []


def test_a_refused_connection_is_tried_again_and_never_reached_the_server(monkeypatch) -> None:
    pauses: list[float] = []
    monkeypatch.setattr(wire.time, "sleep", pauses.append)
    with _direct("http://127.0.0.1:9", connect_retries=2) as client:  # port 9: refused
        outcome = client.post(build.credit_request(), None)
    assert isinstance(outcome, Every8dTransportError) and not outcome.may_have_reached_server
    assert "ConnectionError" in str(outcome)
    assert pauses == [0, 0.4]  # urllib3's Retry pauses: none before the first retry, then 0.4 s


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own CA), and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "every8d-test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    import ipaddress

    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


class TlsServer(RawServer):
    def __init__(self, answers: list[bytes], certificate: tuple[Path, Path]) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(*map(str, certificate))
        super().__init__(answers)
        self.url = self.url.replace("http://", "https://")

    def _serve(self, connection) -> None:  # type: ignore[no-untyped-def]
        try:
            connection = self.context.wrap_socket(connection, server_side=True)
        except (OSError, ssl.SSLError):
            return  # the client refused the certificate
        super()._serve(connection)


@pytest.mark.parametrize(("verify", "expected"), [
    ("ca", ("answer", 200, b"1000.00")),
    (False, ("answer", 200, b"1000.00")),
    (True, ("error", "SSLError", False, None)),  # certifi's bundle does not hold the test CA
    ("/nonexistent/ca.pem", ("error", "SSLError", False, None)),
])
def test_tls_verifies_with_the_bundle_requests_would_use(serve, certificate, monkeypatch, verify, expected) -> None:
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    server = TlsServer([_answer("200 OK", b"1000.00")], certificate)
    serve.append(server)
    with _direct(server.url, verify=str(certificate[0]) if verify == "ca" else verify, timeout=5) as client:
        outcome = _outcome(client)
    assert _kind(outcome) == expected
    assert len(server.seen) == (1 if expected[0] == "answer" else 0)  # a refusal sends nothing
    if verify == "/nonexistent/ca.pem":
        assert "CA bundle" in str(outcome[1])


def test_idle_connections_beyond_four_are_closed(serve) -> None:
    server = RawServer([_answer("200 OK", b"1000.00")] * 6)
    serve.append(server)
    with _direct(server.url) as client:
        pool = client._wire
        assert pool is not None
        origin = wire.origin_of(server.url + "/API21/HTTP/getCredit.ashx")
        taken = [pool._take(origin, 1.0, None) for _ in range(6)]  # six requests in flight at once
        for connection in taken:
            pool._idle.setdefault(origin[:3], []).append(connection)  # as post() puts each back
        assert _outcome(client) == ("answer", 200, b"1000.00")
        assert len(pool._idle[origin[:3]]) == wire.KEPT_IDLE
    assert len(server.open) == 6


def test_a_send_does_not_go_on_a_connection_idle_too_long(serve, monkeypatch) -> None:
    """A firewall that drops an idle connection silently would leave a send written on it unanswered: a send
    opens a new connection after SEND_IDLE_LIMIT; a query keeps the old one."""
    server = RawServer([_answer("200 OK", b"1000.00")] * 3 + [_answer("200 OK", b"1,1,1.0,0,A1")])
    serve.append(server)
    now = [1000.0]
    monkeypatch.setattr(wire.time, "monotonic", lambda: now[0])
    with _direct(server.url) as client:
        assert _outcome(client) == ("answer", 200, b"1000.00")
        now[0] += wire.SEND_IDLE_LIMIT + 1
        assert _outcome(client) == ("answer", 200, b"1000.00")  # a query: the same connection
        assert len(server.open) == 1
        now[0] += wire.SEND_IDLE_LIMIT + 1
        sent = client.post(build.sms_request("hi", "0900000001"), None)
    assert sent == (200, b"1000.00") and len(server.open) == 2 and len(server.seen) == 3


def test_verification_off_is_logged(serve, certificate, caplog) -> None:
    server = TlsServer([_answer("200 OK", b"1000.00")], certificate)
    serve.append(server)
    with caplog.at_level("WARNING", logger="airflow_provider_every8d.transport"), \
            _direct(server.url, verify=False, timeout=5) as client:
        assert _outcome(client) == ("answer", 200, b"1000.00")
    assert "not verified" in caplog.text
