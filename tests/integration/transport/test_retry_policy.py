"""The transport's retry policy over real sockets: sends are never repeated once they may have arrived."""

from __future__ import annotations

import json
import socket
import time

import pytest
import requests

from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.protocol.errors import Every8dResponseError, Every8dTransportError
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.aio import AsyncEvery8dClient
from airflow_provider_every8d.transport.sync import Every8dClient


def _settings(url: str, timeout: float = 5.0) -> ClientSettings:
    return ClientSettings(base_url=url, uid="demo", password="demo-password", timeout=timeout, connect_retries=2)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("kind", ["drop_after_accept", "http_500", "reset", "slow"])
def test_a_send_is_never_repeated(every8d_emulator, kind):
    every8d_emulator.faults.add(kind, endpoint="sendSMS", delay=2.0)
    with Every8dClient(_settings(every8d_emulator.url, timeout=0.5)) as client, \
            pytest.raises(Every8dTransportError) as caught:
        client.call(build.sms_request("once", "0900000001"))
    assert caught.value.may_have_reached_server
    assert len([r for r in every8d_emulator.requests if r.endpoint == "sendSMS"]) == 1
    if kind in ("drop_after_accept", "slow"):  # accepted although the answer was lost
        deadline = time.monotonic() + 5
        while every8d_emulator.sent_count("0900000001") == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert every8d_emulator.sent_count("0900000001") == 1


@pytest.mark.parametrize("kind", ["http_500", "reset", "slow"])
def test_queries_are_retried_on_transient_failures(every8d_emulator, kind):
    every8d_emulator.faults.add(kind, endpoint="getCredit", times=1, delay=2.0)
    with Every8dClient(_settings(every8d_emulator.url, timeout=0.5)) as client:
        assert client.call(build.credit_request()) == 1000.0
    assert len([r for r in every8d_emulator.requests if r.endpoint == "getCredit"]) == 2


def test_no_connection_says_the_request_never_arrived():
    with Every8dClient(_settings(f"http://127.0.0.1:{_closed_port()}")) as client, \
            pytest.raises(Every8dTransportError) as caught:
        client.call(build.sms_request("hi", "0900000001"))
    assert not caught.value.may_have_reached_server
    assert "could not connect" in str(caught.value)


@pytest.mark.parametrize("kind", ["garbage", "html"])
def test_unparsable_answers_are_response_errors(every8d_emulator, kind):
    every8d_emulator.faults.add(kind, endpoint="getCredit")
    with Every8dClient(_settings(every8d_emulator.url)) as client, pytest.raises(Every8dResponseError):
        client.call(build.credit_request())


def test_a_status_page_cut_short_is_a_response_error(every8d_emulator):
    """A body cut short with a matching Content-Length: a partial row, or fewer rows than the total implies."""
    with Every8dClient(_settings(every8d_emulator.url)) as client:
        sent = client.call(build.sms_request("hi", [f"09000000{i:02d}" for i in range(10)]))
        every8d_emulator.faults.add("truncated", endpoint="getDeliveryStatus")
        with pytest.raises(Every8dResponseError, match=r"columns|cut short"):
            client.call(build.delivery_status_request(sent.batch_id))


def test_a_short_read_is_a_transport_error(every8d_emulator):
    every8d_emulator.faults.add("truncated", endpoint="sendSMS", short_read=True)
    with Every8dClient(_settings(every8d_emulator.url)) as client, pytest.raises(Every8dTransportError) as caught:
        client.call(build.sms_request("hi", "0900000001"))
    assert caught.value.may_have_reached_server


@pytest.mark.parametrize("kind", ["bom", "crlf"])
def test_bom_and_crlf_answers_parse(every8d_emulator, kind):
    every8d_emulator.faults.add(kind)
    with Every8dClient(_settings(every8d_emulator.url)) as client:
        assert client.call(build.sms_request("hi", "0900000001")).sent == 1


def test_http_error_text_never_holds_the_password(every8d_emulator):
    every8d_emulator.faults.add("http_500", endpoint="getCredit")
    with Every8dClient(_settings(every8d_emulator.url)) as client, pytest.raises(Every8dTransportError) as caught:
        client.call(build.credit_request())
    assert caught.value.status_code == 500 and "demo-password" not in str(caught.value)


@pytest.mark.parametrize(("session", "way"), [(None, "(stdlib)"), (requests.Session, "(requests)")])
def test_connections_are_reused(every8d_emulator, session, way):
    with Every8dClient(_settings(every8d_emulator.url), session and session()) as client:
        for _ in range(5):
            client.call(build.credit_request())
    assert len({r.client for r in every8d_emulator.requests}) == 1
    assert every8d_emulator.requests[0].headers["User-Agent"].endswith(way)


async def test_async_send_is_never_repeated(every8d_emulator):
    every8d_emulator.faults.add("drop_after_accept", endpoint="sendSMS")
    async with AsyncEvery8dClient(_settings(every8d_emulator.url)) as client:
        with pytest.raises(Every8dTransportError) as caught:
            await client.call(build.sms_request("once", "0900000001"))
    assert caught.value.may_have_reached_server
    assert every8d_emulator.sent_count("0900000001") == 1
    assert len(every8d_emulator.requests) == 1


async def test_async_query_retries_and_summarises(every8d_emulator):
    every8d_emulator.faults.add("http_500", endpoint="getDeliveryStatus", times=1)
    async with AsyncEvery8dClient(_settings(every8d_emulator.url)) as client:
        sent = await client.call(build.sms_request("hi", "0900000001,0900000103"))
        every8d_emulator.advance(60)
        summary = await client.get_delivery_summary([sent.batch_id])
    assert summary.to_dict() == {"total": 2, "delivered": 1, "failed": 1, "cancelled": 0,
                                 "by_status": {"100": 1, "103": 1}}
    assert every8d_emulator.requests[-1].headers["User-Agent"].endswith("(httpx)")


async def test_async_no_connection():
    async with AsyncEvery8dClient(_settings(f"http://127.0.0.1:{_closed_port()}")) as client:
        with pytest.raises(Every8dTransportError) as caught:
            await client.call(build.sms_request("hi", "0900000001"))
    assert not caught.value.may_have_reached_server


def test_param_sms_body_is_json_with_credentials(every8d_emulator):
    with Every8dClient(_settings(every8d_emulator.url)) as client:
        client.call(build.credit_request())
        from airflow_provider_every8d.protocol.param_sms import param_sms_request

        client.call(param_sms_request([{"mobile": "0900000001", "content": "hi"}]))
    body = json.loads(every8d_emulator.requests[-1].body)
    assert body["UID"] == "demo" and every8d_emulator.requests[-1].headers["Content-Type"].startswith(
        "application/json")
