"""The sync client's own POST (transport/adapter.py) puts the same bytes on the wire and ends every exchange
as ``requests.Session.post`` does, over real sockets: answers plain, gzip, chunked, cut short, redirecting,
setting a cookie, or never coming. The reference is the same client on a session with a response hook,
which requests handles its whole way."""

from __future__ import annotations

import pytest
import requests

from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.protocol.errors import Every8dTransportError
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.sync import Every8dClient
from tests.harness.raw_http import ANSWERS, RawServer
from tests.harness.raw_http import answer as _answer


def _client(url: str, *, whole_way: bool) -> Every8dClient:
    session = requests.Session()
    if whole_way:  # a response hook: requests' own way, the reference
        session.hooks["response"].append(lambda response, *args, **kwargs: response)
    return Every8dClient(ClientSettings(base_url=url, uid="demo", password="demo-password", timeout=0.5,
                                        connect_retries=0), session)


def _outcome(client: Every8dClient, token: str | None = None) -> tuple[object, ...]:
    try:
        raw = client.post(build.credit_request(), token)
    except Exception as error:  # what escapes requests' way must escape ours the same
        return "raised", type(error).__name__
    if isinstance(raw, Every8dTransportError):
        return "error", str(raw), raw.may_have_reached_server, raw.status_code
    return "answer", *raw


@pytest.mark.parametrize("case", list(ANSWERS))
def test_each_answer_ends_as_with_requests_whole_way(serve, case: str) -> None:
    outcomes, wires = [], []
    for whole_way in (True, False):
        server = RawServer(list(ANSWERS[case]))
        serve.append(server)
        with _client(server.url, whole_way=whole_way) as client:
            outcomes.append(_outcome(client))
        wires.append(server.seen)
    assert outcomes[1] == outcomes[0]
    assert wires[1] == wires[0] and len(wires[0]) == 1


@pytest.mark.parametrize("token", [None, "a-bearer-token"])
def test_a_cookie_set_by_the_server_is_sent_back_as_requests_sends_it(serve, token: str | None) -> None:
    answers = [_answer("200 OK", b"1000.00", "Set-Cookie: lb=node-2; Path=/"), _answer("200 OK", b"999.00")]
    outcomes, wires = [], []
    for whole_way in (True, False):
        server = RawServer(list(answers))
        serve.append(server)
        with _client(server.url, whole_way=whole_way) as client:
            outcomes.append([_outcome(client, token), _outcome(client, token)])
        wires.append(server.seen)
    assert outcomes[1] == outcomes[0] == [("answer", 200, b"1000.00"), ("answer", 200, b"999.00")]
    assert wires[1] == wires[0]
    assert b"Cookie: lb=node-2" in wires[0][1] and b"Cookie" not in wires[0][0]


def test_a_plain_session_takes_the_lean_way_anything_else_requests_whole_way() -> None:
    url = "http://127.0.0.1:9"  # nothing is sent: each answer below is None or decided before sending
    plain = _client(url, whole_way=False)
    assert plain.session.get_adapter(url) is plain.adapter
    with_auth, with_cookie, with_credentials = (_client(url, whole_way=False) for _ in range(3))
    with_auth.session.auth = ("user", "secret")
    with_cookie.session.cookies.set("lb", "node-2")
    for client, target in [(_client(url, whole_way=True), url), (with_auth, url), (with_cookie, url),
                           (with_credentials, "http://user:pw@127.0.0.1:9")]:
        assert client.adapter.post(client.session, target + "/x", body=b"", headers={}, timeout=1) is None


def test_no_proxy_still_sends_the_request_direct(serve, monkeypatch) -> None:
    proxy = RawServer([_answer("200 OK", b"1.00")])
    server = RawServer([_answer("200 OK", b"1000.00")])
    serve += [proxy, server]
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.delenv("no_proxy", raising=False)
    with _client(server.url, whole_way=False) as client:
        assert _outcome(client) == ("answer", 200, b"1000.00")
    assert proxy.seen == [] and len(server.seen) == 1
