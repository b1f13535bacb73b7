"""Every fault kind of the emulator against both transports, on a send and on a query.

The table is the transport's contract (protocol/retry.py and protocol/driver.py, run by transport/sync.py
and transport/aio.py): a send is tried exactly once whatever happens, and the error says whether it may
have been accepted; a status query is tried again
after a transport failure and succeeds; an unparsable answer is an Every8dResponseError (the sensor counts
it as a failed poll); a BOM or a trailing CRLF is read as the normal answer. Single-kind tests with more
detail live in tests/transport/test_retry_policy.py and tests/emulator/test_emulator_faults.py.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.protocol.errors import Every8dResponseError, Every8dTransportError
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.aio import AsyncEvery8dClient
from airflow_provider_every8d.transport.sync import Every8dClient

TIMEOUT = 0.3
SLOW = 0.8
RECIPIENT = "0900000001"

# kind: (outcome of a send, whether the platform recorded the message, outcome of a status query)
MATRIX: dict[str, tuple[str, bool, str]] = {
    "http_500": ("transport", False, "retried"),
    "slow": ("transport", True, "retried"),
    "reset": ("transport", False, "retried"),
    "drop_after_accept": ("transport", True, "retried"),
    "garbage": ("response", False, "response"),
    "truncated": ("response", True, "response"),
    "html": ("response", False, "response"),
    "bom": ("ok", True, "ok"),
    "crlf": ("ok", True, "ok"),
}
TRANSPORTS = ["requests", "httpx"]


def _settings(emulator: Every8dEmulator) -> ClientSettings:
    return ClientSettings(base_url=emulator.url, uid="demo", password="demo-password", timeout=TIMEOUT)


def _call(transport: str, emulator: Every8dEmulator, request: Any) -> Any:
    if transport == "requests":
        with Every8dClient(_settings(emulator)) as client:
            return client.call(request)

    async def run() -> Any:
        async with AsyncEvery8dClient(_settings(emulator)) as client:
            return await client.call(request)

    return asyncio.run(run())


def _outcome(transport: str, emulator: Every8dEmulator, request: Any) -> tuple[str, Exception | None]:
    try:
        _call(transport, emulator, request)
    except Every8dTransportError as error:
        return "transport", error
    except Every8dResponseError as error:
        return "response", error
    return "ok", None


def _count(emulator: Every8dEmulator, endpoint: str) -> int:
    return sum(1 for r in emulator.requests if r.endpoint == endpoint)


def _recorded(emulator: Every8dEmulator, wait: bool) -> int:
    deadline = time.monotonic() + (SLOW + 2 if wait else 0)
    while emulator.sent_count(RECIPIENT) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    return emulator.sent_count(RECIPIENT)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("kind", list(MATRIX))
def test_a_send_is_tried_once_whatever_the_fault(every8d_emulator: Every8dEmulator, kind: str,
                                                  transport: str) -> None:
    expected, recorded, _ = MATRIX[kind]
    every8d_emulator.faults.add(kind, endpoint="sendSMS", times=1, delay=SLOW)
    outcome, error = _outcome(transport, every8d_emulator, build.sms_request("once", RECIPIENT))
    assert outcome == expected, error
    assert _count(every8d_emulator, "sendSMS") == 1  # never resent by the transport
    if isinstance(error, Every8dTransportError):
        assert error.may_have_reached_server  # so the operator never resends it blindly either
    assert _recorded(every8d_emulator, wait=recorded) == int(recorded)
    assert every8d_emulator.faults.by_kind[kind] == 1


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("kind", list(MATRIX))
def test_a_status_query_is_retried_after_a_transport_fault(every8d_emulator: Every8dEmulator, kind: str,
                                                           transport: str) -> None:
    _, _, expected = MATRIX[kind]
    with Every8dClient(_settings(every8d_emulator)) as client:
        batch_id = client.call(build.sms_request("hi", [RECIPIENT, "0900000002"])).batch_id
    every8d_emulator.advance(60)
    every8d_emulator.faults.add(kind, endpoint="getDeliveryStatus", times=1, delay=SLOW)
    outcome, error = _outcome(transport, every8d_emulator, build.delivery_status_request(batch_id))
    polls = _count(every8d_emulator, "getDeliveryStatus")
    if expected == "retried":
        assert (outcome, polls) == ("ok", 2), error
    else:
        assert (outcome, polls) == (expected, 1), error
    assert every8d_emulator.faults.by_kind[kind] == 1
