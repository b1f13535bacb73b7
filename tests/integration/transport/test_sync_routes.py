"""Both ways of the sync client keep connections alive and open new ones after ``close()``: the direct way
(transport/wire.py) and requests' way, which chooses urllib3's pool once per URL, TLS settings and proxies
(transport/adapter.py) and chooses again when that pool is gone; a session whose proxies change goes the
new way."""

from __future__ import annotations

import pytest
import requests

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.protocol.errors import Every8dTransportError
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.sync import Every8dClient
from tests.harness.raw_http import RawServer


def _client(url: str, *, direct: bool = False) -> Every8dClient:
    return Every8dClient(ClientSettings(base_url=url, uid="demo", password="demo-password", connect_retries=0),
                         None if direct else requests.Session())


def _connections(emulator: Every8dEmulator) -> list[tuple[str, int]]:
    return [record.client for record in emulator.requests]


@pytest.mark.parametrize("direct", [True, False], ids=["direct", "requests"])
def test_requests_reuse_one_connection_and_a_closed_pool_is_replaced(every8d_emulator: Every8dEmulator,
                                                                     direct: bool) -> None:
    client = _client(every8d_emulator.url, direct=direct)
    assert client.direct is direct
    balances = [client.call(build.credit_request()) for _ in range(3)]
    client.close()  # urllib3 closes its pools: the kept route must not be used again
    balances += [client.call(build.credit_request()) for _ in range(2)]
    client.close()
    assert balances == [1000.0] * 5
    first, second = _connections(every8d_emulator)[:3], _connections(every8d_emulator)[3:]
    assert len(set(first)) == 1 and len(set(second)) == 1 and set(first) != set(second)


def test_a_new_proxy_on_the_session_is_taken(every8d_emulator: Every8dEmulator) -> None:
    client = _client(every8d_emulator.url)
    assert client.call(build.credit_request()) == 1000.0
    client.session.proxies["http"] = "http://127.0.0.1:9"  # nothing listens: the request cannot go out
    outcome = client.post(build.credit_request(), None)
    client.close()
    assert not isinstance(outcome, tuple)
    assert "ProxyError" in str(outcome)
    assert len(every8d_emulator.requests) == 1


def test_a_ca_bundle_that_is_not_there_fails_before_anything_is_sent_on_both_ways(serve) -> None:
    """requests checks the bundle before it connects and raised a bare OSError, which the send-once engine
    could not tell from a send that may have gone out."""
    server = RawServer([])
    serve.append(server)
    for session in (None, requests.Session()):
        settings = ClientSettings(base_url=server.url.replace("http:", "https:"), uid="demo", password="demo-password",
                                  verify="/nonexistent/every8d-ca.pem", connect_retries=0)
        with Every8dClient(settings, session) as client:
            outcome = client.post(build.sms_request("hi", "0900000001"), None)
        assert isinstance(outcome, Every8dTransportError) and not outcome.may_have_reached_server, session
        assert "CA bundle" in str(outcome)
    assert server.seen == []
