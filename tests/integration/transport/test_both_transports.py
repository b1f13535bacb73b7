"""Both transports against the emulator behave alike where they used to drift: the retry warning, the
masked recipients at DEBUG, ``query_attempts``, paging and the delivery summary."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.protocol.errors import Every8dTransportError
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.aio import AsyncEvery8dClient
from airflow_provider_every8d.transport.sync import Every8dClient

TRANSPORTS = ["requests", "httpx"]
NUMBERS = [f"0900000{index:03d}" for index in range(120, 124)]


def _settings(url: str) -> ClientSettings:
    return ClientSettings(base_url=url, uid="demo", password="demo-password", connect_retries=0)


def _run(transport: str, url: str, work: str, **kwargs: Any) -> Any:
    """Run ``work`` ("credit", "send", "summary:<batch>", "rows:<batch>") on one transport."""
    name, _, batch = work.partition(":")
    if transport == "requests":
        with Every8dClient(_settings(url), **kwargs) as client:
            if name == "credit":
                return client.call(build.credit_request())
            if name == "send":
                return client.call(build.sms_request("hello", NUMBERS))
            if name == "summary":
                return client.get_delivery_summary([batch])
            return list(client.iter_delivery_status(batch))

    async def run() -> Any:
        async with AsyncEvery8dClient(_settings(url), **kwargs) as client:
            if name == "credit":
                return await client.call(build.credit_request())
            if name == "send":
                return await client.call(build.sms_request("hello", NUMBERS))
            if name == "summary":
                return await client.get_delivery_summary([batch])
            return [row async for row in client.iter_delivery_status(batch)]

    return asyncio.run(run())


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_retried_query_is_announced_by_both(every8d_emulator, caplog, transport: str) -> None:
    caplog.set_level(logging.WARNING)
    every8d_emulator.faults.add("http_500", endpoint="getCredit", times=1)
    assert _run(transport, every8d_emulator.url, "credit") == 1000.0
    assert "EVERY8D getCredit" in caplog.text and "trying again in 0.5 s" in caplog.text
    assert "demo-password" not in caplog.text


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_both_log_the_recipients_masked_at_debug(every8d_emulator, caplog, transport: str) -> None:
    caplog.set_level(logging.DEBUG, logger="airflow_provider_every8d")
    assert _run(transport, every8d_emulator.url, "send").sent == len(NUMBERS)
    assert "0900***120, 0900***121, 0900***122 and 1 more" in caplog.text
    assert not any(number in caplog.text for number in NUMBERS) and "hello" not in caplog.text


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_query_attempts_bounds_the_tries_on_both(every8d_emulator, transport: str) -> None:
    every8d_emulator.faults.add("http_500", endpoint="getCredit", times=5)
    with pytest.raises(Every8dTransportError) as caught:
        _run(transport, every8d_emulator.url, "credit", query_attempts=2)
    assert caught.value.status_code == 500
    assert len([r for r in every8d_emulator.requests if r.endpoint == "getCredit"]) == 2


@pytest.mark.every8d(delivery_seconds=0)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_summary_and_rows_agree_on_both(every8d_emulator, transport: str) -> None:
    batch = _run(transport, every8d_emulator.url, "send").batch_id
    every8d_emulator.advance(60)
    summary = _run(transport, every8d_emulator.url, f"summary:{batch}")
    rows = _run(transport, every8d_emulator.url, f"rows:{batch}")
    assert summary.complete and summary.to_dict()["total"] == len(rows) == len(NUMBERS)
    assert sorted(row.mobile for row in rows) == sorted(f"+886{number[1:]}" for number in NUMBERS)
