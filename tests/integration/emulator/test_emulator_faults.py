"""Fault injection over real HTTP: each kind, per endpoint, share of calls, counters."""

from __future__ import annotations

import contextlib
import http.client
from collections.abc import Iterator

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from tests.integration.emulator.emulator_wire import call, call_raw

SEND = {"MSG": "hi", "DEST": "0900000678"}


@pytest.fixture
def emu() -> Iterator[Every8dEmulator]:
    with Every8dEmulator(delivery_seconds=0) as emulator:
        yield emulator


def raw_post(emu: Every8dEmulator, endpoint: str, body: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    connection.request(
        "POST",
        f"/API21/HTTP/{endpoint}.ashx",
        body=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    return connection.getresponse()


@pytest.mark.parametrize("status", [500, 502, 503])
def test_http_5xx_has_no_effect(emu: Every8dEmulator, status: int) -> None:
    emu.faults.add("http_500", "sendSMS", status=status)
    assert call(emu, "sendSMS", SEND)[0] == status
    assert emu.messages == [] and emu.credit() == 1000.0
    assert emu.requests[-1].fault == "http_500"


def test_slow_answers_normally_after_the_delay(emu: Every8dEmulator) -> None:
    """What a user of the fault sees: a client that waits less than the delay gets no answer in time,
    one that waits longer gets the normal answer (no clock read by the test)."""
    emu.faults.add("slow", "getCredit", delay=1.0, times=2)
    with pytest.raises(TimeoutError):
        call(emu, "getCredit", timeout=0.2)
    assert call(emu, "getCredit", timeout=10) == (200, "1000.00")
    assert [request.fault for request in emu.requests[-2:]] == ["slow", "slow"]


def test_reset_closes_before_processing(emu: Every8dEmulator) -> None:
    emu.faults.add("reset", "sendSMS")
    with pytest.raises((OSError, http.client.HTTPException)):
        call(emu, "sendSMS", SEND)
    assert emu.messages == [] and emu.credit() == 1000.0


def test_drop_after_accept_records_and_charges_but_never_answers(emu: Every8dEmulator) -> None:
    emu.faults.add("drop_after_accept", "sendSMS")
    with pytest.raises((OSError, http.client.HTTPException)):
        call(emu, "sendSMS", SEND)
    assert emu.sent_count("0900000678") == 1
    assert emu.credit() == 999.0


def test_garbage_is_random_bytes_with_200(emu: Every8dEmulator) -> None:
    emu.faults.add("garbage", "getCredit", seed=7)
    status, body = call_raw(emu, "getCredit")
    assert status == 200 and len(body) == 64 and body != b"1000.00"


def test_garbage_repeats_with_the_same_seed(emu: Every8dEmulator) -> None:
    emu.faults.add("garbage", seed=3, times=1)
    first = call_raw(emu, "getCredit")[1]
    emu.faults.clear()
    emu.faults.add("garbage", seed=3, times=1)
    assert call_raw(emu, "getCredit")[1] == first


def test_truncated_cuts_a_processed_answer(emu: Every8dEmulator) -> None:
    emu.faults.add("truncated", "sendSMS")
    status, body = call(emu, "sendSMS", SEND)
    assert status == 200
    assert body.startswith("999.00,1,1,0,") and len(body.split(",")[4]) < 36
    assert emu.sent_count("0900000678") == 1


def test_truncated_short_read_promises_more_than_it_sends(emu: Every8dEmulator) -> None:
    emu.faults.add("truncated", "getCredit", short_read=True)
    response = raw_post(emu, "getCredit", "UID=demo&PWD=demo-password")
    assert response.status == 200
    with pytest.raises(http.client.IncompleteRead):
        response.read()


def test_html_error_page_with_200(emu: Every8dEmulator) -> None:
    emu.faults.add("html", "getCredit")
    response = raw_post(emu, "getCredit", "UID=demo&PWD=demo-password")
    assert response.status == 200
    assert response.getheader("Content-Type", "").startswith("text/html")
    assert response.read().startswith(b"<!DOCTYPE html>")


def test_bom_before_a_valid_answer(emu: Every8dEmulator) -> None:
    emu.faults.add("bom", "getCredit")
    assert call_raw(emu, "getCredit") == (200, b"\xef\xbb\xbf1000.00")


def test_crlf_after_a_single_line_answer(emu: Every8dEmulator) -> None:
    emu.faults.add("crlf")
    assert call_raw(emu, "getCredit") == (200, b"1000.00\r\n")


def test_faults_apply_per_endpoint_and_count_down(emu: Every8dEmulator) -> None:
    rule = emu.faults.add("http_500", "MMS/getDeliveryStatus.ashx", times=2)
    assert call(emu, "getDeliveryStatus", {"BID": "x"})[0] == 200
    codes = [call(emu, "MMS/getDeliveryStatus", {"BID": "x"})[0] for _ in range(3)]
    assert codes == [500, 500, 200]
    assert rule.fired == 2 and emu.faults.injected == 2 and emu.faults.by_kind["http_500"] == 2


def test_rate_fires_a_reproducible_share(emu: Every8dEmulator) -> None:
    def run() -> list[int]:
        emu.faults.clear()
        emu.faults.add("http_500", "getCredit", rate=0.3, seed=42)
        return [call(emu, "getCredit")[0] for _ in range(40)]

    first = run()
    assert 4 <= first.count(500) <= 20
    assert run() == first


def test_clear_removes_rules_and_counters(emu: Every8dEmulator) -> None:
    emu.faults.add("http_500")
    call(emu, "getCredit")
    emu.faults.clear()
    assert call(emu, "getCredit")[0] == 200
    assert emu.faults.injected == 0


def test_unknown_kind_is_refused(emu: Every8dEmulator) -> None:
    with pytest.raises(ValueError, match="fault kind"):
        emu.faults.add("explode")


def test_server_survives_every_fault_in_a_row(emu: Every8dEmulator) -> None:
    for kind in ("http_500", "reset", "drop_after_accept", "garbage", "truncated", "html", "bom", "crlf"):
        emu.faults.add(kind, times=1)
        with contextlib.suppress(OSError, http.client.HTTPException):
            call_raw(emu, "getCredit")
    assert call(emu, "getCredit") == (200, "1000.00")
