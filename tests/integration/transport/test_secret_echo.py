"""A server that echoes the request (PWD and all, form- or JSON-encoded) cannot put the password into
an exception, a log line or a trigger event, on either transport, whatever characters the password has."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.protocol.errors import Every8dError
from airflow_provider_every8d.protocol.param_sms import param_sms_request
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.aio import AsyncEvery8dClient
from airflow_provider_every8d.transport.sync import Every8dClient

PASSWORD = 'p@ss w/rd+&=%ü"<x'
FORMS = [PASSWORD, quote_plus(PASSWORD), quote(PASSWORD), quote(PASSWORD, safe=""), json.dumps(PASSWORD)[1:-1],
         json.dumps(PASSWORD, ensure_ascii=False)[1:-1]]


def _leaks(text: str) -> list[str]:
    return [form for form in FORMS if form in text or form.lower() in text.lower()]


def _error(transport: str, url: str, request: Any) -> Every8dError:
    settings = ClientSettings(base_url=url, uid="demo", password=PASSWORD, connect_retries=0)
    with pytest.raises(Every8dError) as info:
        if transport == "requests":
            with Every8dClient(settings, query_attempts=1) as client:
                client.call(request)
        else:
            async def run() -> None:
                async with AsyncEvery8dClient(settings, query_attempts=1) as client:
                    await client.call(request)

            asyncio.run(run())
    return info.value


@pytest.mark.every8d(accounts={"demo": PASSWORD})
@pytest.mark.parametrize("transport", ["requests", "httpx"])
@pytest.mark.parametrize("status", [200, 500])
@pytest.mark.parametrize("request_kind", ["form", "json"])
def test_an_echoed_request_never_shows_the_password(
    every8d_emulator: Any, caplog: pytest.LogCaptureFixture, transport: str, status: int, request_kind: str
) -> None:
    every8d_emulator.faults.add("echo", status=status)
    request = build.credit_request() if request_kind == "form" else param_sms_request(
        [{"mobile": "0900000123", "params": ["x"]}], "hi %field1%")
    with caplog.at_level(logging.DEBUG):
        error = _error(transport, every8d_emulator.url, request)
    assert every8d_emulator.requests, "the request reached the emulator"
    assert "received" in str(error)  # the answer is quoted ...
    assert _leaks(str(error)) == [] and _leaks(repr(error.__dict__)) == []  # ... without the password
    assert _leaks(caplog.text) == []


@pytest.mark.every8d(accounts={"demo": PASSWORD})
@pytest.mark.parametrize("status", [200, 500])
def test_the_delivery_trigger_error_event_never_shows_the_password(every8d_emulator: Any, status: int) -> None:
    """The event's message goes into the task's ``next_kwargs`` (metadata database, task log)."""
    from airflow_provider_every8d.triggers.every8d import Every8dDeliveryStatusTrigger

    every8d_emulator.faults.add("echo", status=status)
    trigger = Every8dDeliveryStatusTrigger(batch_ids=["2d0c7b4e-0000-4000-8000-000000000001"],
                                           poll_interval=0.01, max_consecutive_failures=2)

    async def first_event() -> Any:
        async for event in trigger.run():
            return event.payload

    payload = asyncio.run(first_event())
    assert payload["status"] == "error" and "received" in payload["message"]
    assert _leaks(json.dumps(payload, ensure_ascii=False)) == [] and _leaks(json.dumps(payload)) == []
