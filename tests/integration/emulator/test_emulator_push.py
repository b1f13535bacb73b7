"""The delivery-report push (spec 2.1) against a tiny local receiver."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from tests.integration.emulator.emulator_wire import call, send


class Receiver:
    """Answers 500 to the first ``failures`` GETs, then 200; keeps every query it saw."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.seen: list[dict[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                receiver.seen.append(dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True)))
                code = 500 if len(receiver.seen) <= receiver.failures else 200
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/report.aspx"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(failures=2)
    yield r
    r.close()


def test_push_retries_until_200_without_anyone_polling(receiver: Receiver) -> None:
    with Every8dEmulator(delivery_seconds=0.1, push_url=receiver.url, push_retry_delay=0.02) as emu:
        batch_id = send(emu, "0900000678", SB="主旨")[4]
        pushes = emu.wait_for_pushes(1)
        assert [(p.attempt, p.status) for p in emu.pushes] == [(1, 500), (2, 500), (3, 200)]
        assert pushes[0].params["STATUS"] == "100"
    query = receiver.seen[-1]
    assert query["BatchID"] == batch_id
    assert query["RM"] == "+886900000678"
    assert (query["STATUS"], query["USERID"], query["CHARGE"], query["SUBJECT"]) == ("100", "demo", "1", "主旨")
    assert query["RT"].isdigit() and len(query["RT"]) == 14 and len(query["ST"]) == 14
    assert set(query) == {
        "BatchID",
        "RM",
        "RT",
        "STATUS",
        "SM",
        "MR",
        "USERID",
        "UserNo",
        "ST",
        "SUBJECT",
        "CHARGE",
        "MSGID",
    }
    assert query["MR"]


def test_push_carries_failures_replies_and_msgid() -> None:
    receiver = Receiver()
    try:
        with Every8dEmulator(delivery_seconds=0.05, push_url=receiver.url) as emu:
            msgid = "00000000000000000042"
            batch_id = send(emu, "0900000105", endpoint="sendSMSWithMsgID", MSGID=msgid)[4]
            emu.wait_for_pushes(1)
            emu.inject_reply(batch_id, "0900000105", "好的 OK")
            emu.wait_for_pushes(2)
        failed, reply = receiver.seen
        assert (failed["STATUS"], failed["MSGID"]) == ("105", msgid)
        assert (reply["STATUS"], reply["SM"], reply["RM"]) == ("999", "好的 OK", "+886900000105")
    finally:
        receiver.close()


def test_push_for_erase_and_international_disabled() -> None:
    receiver = Receiver()
    try:
        with Every8dEmulator(push_url=receiver.url) as emu:
            later = (emu.now() + timedelta(hours=1)).strftime("%Y%m%d%H%M%S")
            batch_id = send(emu, "0900000678", ST=later)[4]
            send(emu, "+14155550100")
            call(emu, "eraseBooking", {"BID": batch_id})
            emu.wait_for_pushes(2)
        assert sorted(q["STATUS"] for q in receiver.seen) == ["303", "500"]
    finally:
        receiver.close()


def test_push_gives_up_after_10_attempts_on_connection_errors() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{probe.getsockname()[1]}/report"
    with Every8dEmulator(delivery_seconds=0, push_url=dead_url, push_retry_delay=0.01) as emu:
        send(emu, "0900000678")
        attempts = emu.wait_for_pushes(10, ok_only=False)
        assert [p.attempt for p in attempts] == list(range(1, 11))
        assert all(p.status is None and p.error for p in attempts)
        time.sleep(0.1)
        assert len(emu.pushes) == 10


def test_no_push_url_no_pushes() -> None:
    with Every8dEmulator(delivery_seconds=0) as emu:
        send(emu, "0900000678")
        emu.advance(1)
        assert emu.pushes == []
