"""Bearer tokens over real HTTP against the emulator in 2.2 mode (sync and async clients): no PWD after
the token request, one token per process and account, renewal once on refusal, sends never repeated on a
transport failure, the token never in an error."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest

from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dTransportError
from airflow_provider_every8d.transport.aio import AsyncEvery8dClient
from airflow_provider_every8d.transport.sync import Every8dClient
from airflow_provider_every8d.transport.tokens import TOKENS
from tests.integration.api22.api22_support import PWD, carries_password, token_settings

BID = "11111111-2222-3333-4444-555555555555"


def _handler_calls(emu) -> list[int]:
    return [int(r.fields.get("VerifyType", 0)) for r in emu.requests if r.endpoint == "ConnectionHandler"]


def test_only_the_token_request_carries_the_password(emu22) -> None:
    with Every8dClient(token_settings(emu22)) as client:
        assert client.call(build.credit_request()) == 1000.0
        result = client.call(build.sms_request("hi", "0900000001"))
        client.call(build.delivery_status_request(result.batch_id))
    first, *rest = emu22.requests
    assert first.endpoint == "ConnectionHandler" and carries_password(first)
    assert [r.endpoint for r in rest] == ["getCredit", "sendSMS", "getDeliveryStatus"]
    assert not any(carries_password(r) or "UID" in r.fields for r in rest)
    assert all(r.headers["Authorization"].startswith("Bearer ") for r in rest)


def test_sync_and_async_clients_share_one_token(emu22) -> None:
    settings = token_settings(emu22)
    with Every8dClient(settings) as client:
        client.call(build.credit_request())

    async def poll() -> float:
        async with AsyncEvery8dClient(settings) as aclient:
            return await aclient.call(build.credit_request())

    assert asyncio.run(poll()) == 1000.0
    assert emu22.tokens.issued == 1 and _handler_calls(emu22) == [1]


def test_a_thousand_trigger_polls_in_one_process_use_one_token(monkeypatch) -> None:
    from airflow_provider_every8d.emulator import Every8dEmulator

    with Every8dEmulator(api_version="2.2", max_requests=5000) as emu22:
        _thousand_polls(emu22, monkeypatch)


def _thousand_polls(emu22, monkeypatch) -> None:
    from airflow_provider_every8d.triggers.every8d import Every8dDeliveryStatusTrigger

    monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", emu22.connection_json())
    with Every8dClient(token_settings(emu22)) as client:  # batches that stay at the carrier (status 0)
        emu22.store.delivery_seconds = 3600
        batches = [client.call(build.sms_request("hi", f"09000001{i:02d}")).batch_id for i in range(50)]
    TOKENS.forget()  # the triggerer: another process, an empty cache
    before = len(emu22.requests)

    async def triggerer() -> None:
        runs = [asyncio.ensure_future(Every8dDeliveryStatusTrigger([batch], poll_interval=0.01).run().__anext__())
                for batch in batches]
        while sum(r.endpoint == "getDeliveryStatus" for r in emu22.requests) < 1000:
            await asyncio.sleep(0.05)
        for run in runs:
            run.cancel()
        await asyncio.gather(*runs, return_exceptions=True)

    asyncio.run(triggerer())
    polls = [r for r in emu22.requests[before:] if r.endpoint == "getDeliveryStatus"]
    tokens_got = [r for r in emu22.requests[before:] if r.endpoint == "ConnectionHandler"]
    assert len(polls) >= 1000 and len(tokens_got) == 1
    assert len({r.headers["Authorization"] for r in polls}) == 1
    assert not any(carries_password(r) for r in polls)


def test_a_refused_token_is_renewed_once_and_the_send_made_once(emu22) -> None:
    with Every8dClient(token_settings(emu22)) as client:
        client.call(build.credit_request())
        emu22.tokens.expire_all()
        result = client.call(build.sms_request("hi", "0900000001"))
    assert result.sent == 1 and len(emu22.messages) == 1
    assert [r.endpoint for r in emu22.requests] == ["ConnectionHandler", "getCredit", "sendSMS", "ConnectionHandler",
                                                    "sendSMS"]
    assert emu22.tokens.issued == 2


def test_renewal_before_the_configured_age(emu22) -> None:
    settings = token_settings(emu22, token_renew_after=60)
    clock = [0.0]
    TOKENS.clock = lambda: clock[0]
    try:
        with Every8dClient(settings) as client:
            client.call(build.credit_request())
            clock[0] = 59.0
            client.call(build.credit_request())
            clock[0] = 61.0
            client.call(build.credit_request())
    finally:
        import time

        TOKENS.clock = time.monotonic
    assert emu22.tokens.issued == 2 and _handler_calls(emu22) == [1, 1]


def test_a_token_refused_twice_is_an_api_error_and_nothing_is_sent(emu22) -> None:
    emu22.tokens.lifetime = 0  # every token is expired as soon as it is got
    with Every8dClient(token_settings(emu22)) as client, pytest.raises(Every8dApiError) as caught:
        client.call(build.sms_request("hi", "0900000001"))
    assert caught.value.code == -2 and "nothing was sent" in str(caught.value)
    assert emu22.messages == [] and emu22.tokens.issued == 2
    assert not any(token in str(caught.value) or token in repr(caught.value) for token in emu22.tokens.tokens)


def test_a_send_lost_in_transport_is_not_repeated(emu22) -> None:
    emu22.faults.add("drop_after_accept", endpoint="sendSMS")
    with Every8dClient(token_settings(emu22)) as client, pytest.raises(Every8dTransportError) as caught:
        client.call(build.sms_request("hi", "0900000001"))
    assert caught.value.may_have_reached_server
    assert [r.endpoint for r in emu22.requests].count("sendSMS") == 1


def test_a_failed_token_request_means_the_send_was_never_made(emu22) -> None:
    emu22.faults.add("http_500", endpoint="ConnectionHandler")
    with Every8dClient(token_settings(emu22)) as client, pytest.raises(Every8dTransportError) as caught:
        client.call(build.sms_request("hi", "0900000001"))
    assert not caught.value.may_have_reached_server and "getting a bearer token" in str(caught.value)
    assert "sendSMS" not in [r.endpoint for r in emu22.requests]


def test_a_wrong_password_is_the_platform_refusal_without_the_password(emu22) -> None:
    with Every8dClient(token_settings(emu22, password="wrong-secret-pw")) as client, \
            pytest.raises(Every8dApiError) as caught:
        client.call(build.credit_request())
    assert caught.value.code == -2 and "wrong-secret-pw" not in str(caught.value)


def test_tokens_are_closed_at_normal_exit(emu22) -> None:
    code = ("from airflow_provider_every8d.protocol import build;"
            "from airflow_provider_every8d.settings import ClientSettings;"
            "from airflow_provider_every8d.transport.sync import Every8dClient;"
            f"s = ClientSettings(base_url={emu22.url!r}, uid='demo', password={PWD!r}, api_version='2.2', "
            "auth='token');"
            "print(Every8dClient(s).call(build.credit_request()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "1000.0"
    assert _handler_calls(emu22) == [1, 3]
    (token,) = emu22.tokens.tokens
    assert emu22.tokens.tokens[token].closed


def test_the_2_1_connection_sends_uid_and_pwd_as_before(emu22) -> None:
    with Every8dClient(token_settings(emu22, auth="password", api_version="2.1")) as client:
        client.call(build.credit_request())
    (record,) = emu22.requests
    assert carries_password(record) and "Authorization" not in record.headers
    assert json.loads(emu22.connection_json())["extra"]["auth"] == "token"


def test_the_token_is_registered_with_the_secret_masker(emu22) -> None:
    try:
        from airflow.sdk._shared.secrets_masker import redact
    except ImportError:  # Airflow 2
        from airflow.utils.log.secrets_masker import redact  # type: ignore[no-redef]
    settings = token_settings(emu22)
    with Every8dClient(settings) as client:
        client.call(build.credit_request())
    (token,) = TOKENS.tokens_of(settings)
    assert token not in str(redact(f"the token was {token}"))


def test_a_token_answer_that_cannot_be_used_means_the_send_was_never_made(emu22) -> None:
    emu22.faults.add("garbage", endpoint="ConnectionHandler")
    with Every8dClient(token_settings(emu22)) as client, pytest.raises(Every8dTransportError) as caught:
        client.call(build.sms_request("hi", "0900000001"))
    assert not caught.value.may_have_reached_server
    assert "sendSMS" not in [r.endpoint for r in emu22.requests]


@pytest.mark.every8d(api_version="2.2")
def test_test_connection_gets_and_checks_a_token(every8d_emulator) -> None:
    from airflow_provider_every8d.hooks.every8d import Every8dHook

    ok, message = Every8dHook().test_connection()
    assert ok and "bearer token accepted; balance 1000.00 points" in message
    assert [(r.endpoint, r.fields.get("VerifyType")) for r in every8d_emulator.requests] == [
        ("ConnectionHandler", 1), ("ConnectionHandler", 2), ("getCredit", None)]


@pytest.mark.every8d(api_version="2.2", accounts={"demo": "right-password"})
def test_test_connection_names_a_wrong_password_without_it(every8d_emulator, monkeypatch) -> None:
    from airflow_provider_every8d.hooks.every8d import Every8dHook

    document = json.loads(every8d_emulator.connection_json())
    monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", json.dumps({**document, "password": "wrong-password"}))
    ok, message = Every8dHook().test_connection()
    assert not ok and "-2" in message and "wrong-password" not in message
