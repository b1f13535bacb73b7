"""Issue 12, over real HTTP against the emulator: the ten ways the real platform's answers differed from
what the client (and the emulator) assumed. Each test names its case; each failed before the change."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.hooks.every8d import Every8dHook
from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError, Every8dValidationError
from airflow_provider_every8d.protocol.push import parse_push

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
SEPARATORS = "\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85"


def use(monkeypatch: pytest.MonkeyPatch, emu: Every8dEmulator, uid: str = "demo", **changes: Any) -> Every8dHook:
    """A hook on every8d_default pointed at ``emu`` as ``uid``, with connection fields changed."""
    conn = {**json.loads(emu.connection_json(uid)), **changes}
    monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", json.dumps(conn))
    return Every8dHook()


class _Receiver(BaseHTTPRequestHandler):
    """A push receiver that answers as the plugin does: 400 when parse_push refuses, else 200."""

    reports: list[Any] = []
    refused: list[str] = []

    def do_GET(self) -> None:
        query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        try:
            self.reports.append(parse_push(query))
            status = 200
        except Every8dValidationError as error:
            self.refused.append(str(error))
            status = 400
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"reports": [], "refused": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/push", handler
    server.shutdown()
    server.server_close()


def test_case_1_dotnet_push_fields_a_long_subject_and_a_24_digit_msgid_are_kept(receiver: Any) -> None:
    url, handler = receiver
    with Every8dEmulator(push_url=url, delivery_seconds=0, modes={"push_style": "dotnet"}) as emu:
        conn = json.loads(emu.connection_json())
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", json.dumps(conn))
            sent = Every8dHook().send_sms("hello", "0900000001", subject="季度通知" * 60, msg_id=42)
        pushes = emu.wait_for_pushes(1)
    assert [p.status for p in pushes] == [200] and handler.refused == []
    (report,) = handler.reports
    assert (report.batch_id, report.status, report.subject) == (sent.batch_id, 100, "季度通知" * 60)
    assert report.msg_id == "42".zfill(24) and report.extra["TYPE"] == "SMS"
    assert report.sent_at is not None and report.reported_at is not None and "午" in report.send_time


def test_case_2_separator_characters_and_tabs_in_free_text_are_read_whole(every8d_emulator, hook) -> None:
    name = f"王\t小明{SEPARATORS}"
    sent = hook.send_param_sms([{"mobile": "0900000001", "content": "hi", "name": name}])
    text = f"好{SEPARATORS}的\tOK \t"
    every8d_emulator.inject_reply(sent.batch_id, "0900000001", text)
    (row,) = hook.iter_delivery_status(sent.batch_id)
    (reply,) = hook.iter_replies(sent.batch_id)
    assert (row.name, row.mobile) == (name, "+886900000001")
    assert (reply.name, reply.content) == (name, text)


def test_case_3_an_empty_page_is_no_rows_yet_not_a_failure(every8d_emulator, hook) -> None:
    every8d_emulator.modes.empty_pages = True
    every8d_emulator.modes.visible_after = 60.0
    batch = hook.send_sms("hello", "0900000001").batch_id
    summary = hook.get_delivery_summary(batch)
    assert (summary.total, summary.complete) == (0, False)
    assert hook.get_replies(batch).rows == ()
    every8d_emulator.advance(61)
    assert hook.get_delivery_summary(batch).to_dict()["delivered"] == 1
    assert hook.get_replies(batch).total == 0  # no replies: an empty body again


@pytest.mark.parametrize("encoding", ["utf-8", "big5"])
@pytest.mark.parametrize("style", ["comma", "comma_space", "space", "bare", "decimal", "send_shape",
                                   "send_shape_id"])
def test_case_4_every_refusal_shape_is_a_refusal_never_a_possible_acceptance(
    every8d_emulator: Every8dEmulator, monkeypatch: pytest.MonkeyPatch, style: str, encoding: str
) -> None:
    every8d_emulator.modes.refusal_style, every8d_emulator.modes.error_encoding = style, encoding
    hook = use(monkeypatch, every8d_emulator, password="wrong")
    for call in (lambda: hook.send_sms("hello", "0900000001"), hook.get_credit):
        with pytest.raises(Every8dApiError) as caught:
            call()
        assert caught.value.code == -2 and "wrong account or password" in str(caught.value)
    assert every8d_emulator.messages == []


def test_case_5_mms_over_plain_http_is_refused_before_anything_is_sent(
    every8d_emulator: Every8dEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """api.every8d.com over http, through the emulator as the proxy: no packet leaves this machine, and
    the SMS shows the path would reach it."""
    hook = use(monkeypatch, every8d_emulator, host="http://api.every8d.com",
               extra=json.dumps({"proxies": {"http": every8d_emulator.url}}))
    with pytest.raises(Every8dValidationError, match=r"MMS .* needs HTTPS") as caught:
        hook.send_mms("hi", "0900000001", "subject", PNG, "png")
    assert caught.value.field == "host"
    for mms_call in (lambda: hook.get_delivery_status("b-1", mms=True), lambda: hook.erase_booking("b-1", mms=True)):
        with pytest.raises(Every8dValidationError, match="needs HTTPS"):
            mms_call()
    assert every8d_emulator.requests == []
    assert hook.send_sms("hi", "0900000001").sent == 1  # the same path carries an SMS
    assert [r.endpoint for r in every8d_emulator.requests] == ["sendSMS"]


def test_case_6_retrytime_is_left_out_unless_given(every8d_emulator, hook) -> None:
    """The emulator is strict by default: an empty RETRYTIME is refused, as only ST may be empty."""
    hook.send_sms("hello", "0900000001")
    hook.send_mms("hi", "0900000002", "subject", PNG, "png")
    hook.send_param_sms([{"mobile": "0900000003", "content": "hi"}])
    hook.send_sms("hello", "0900000004", retry_time=60)
    fields = [r.fields for r in every8d_emulator.requests]
    assert ["RETRYTIME" in f for f in fields] == [False, False, False, True]
    assert fields[3]["RETRYTIME"] == "60"
    assert {m.retry_time for m in every8d_emulator.messages} == {1440, 60}


def test_case_7_mms_failure_codes_end_the_wait(every8d_emulator, hook) -> None:
    batch = hook.send_mms("hi", ["0900000001", "0900000103"], "subject", PNG, "png").batch_id
    summary = hook.get_delivery_summary(batch, mms=True)
    assert summary.complete
    assert summary.to_dict() == {"total": 2, "delivered": 1, "failed": 1, "cancelled": 0,
                                 "by_status": {"103": 1, "700": 1}}


@pytest.mark.every8d(accounts={"old": {"password": "old-pw", "batch_ids": "short", "status_columns": 5}})
def test_case_8_an_older_account_s_short_batch_id_is_a_batch_id(
    every8d_emulator: Every8dEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = use(monkeypatch, every8d_emulator, uid="old")
    sent = hook.send_sms("hello", "0900000001")
    assert sent.batch_id.isdigit() and len(sent.batch_id) == 13
    every8d_emulator.advance(1)
    assert hook.get_delivery_summary(sent.batch_id).to_dict()["delivered"] == 1


@pytest.mark.parametrize("style", ["string_result", "lower_keys"])
def test_case_9_a_param_send_answered_with_a_string_result_or_lower_case_keys_is_accepted(
    every8d_emulator: Every8dEmulator, monkeypatch: pytest.MonkeyPatch, style: str
) -> None:
    every8d_emulator.modes.json_style = style
    sent = Every8dHook().send_param_sms([{"mobile": "0900000001", "content": "hi"}])
    assert sent.batch_id == every8d_emulator.messages[0].batch_id and sent.sent == 1
    with pytest.raises(Every8dApiError) as caught:
        use(monkeypatch, every8d_emulator, password="wrong").send_param_sms([{"mobile": "0900000001",
                                                                              "content": "hi"}])
    assert caught.value.code == -2


@pytest.mark.every8d(international=True, modes={"count_parts": True})
def test_case_10_a_count_in_sms_parts_does_not_stall_the_wait(every8d_emulator, hook) -> None:
    batch = hook.send_sms("長" * 150, ["+81312345678", "0900000001"]).batch_id  # 3 parts abroad
    every8d_emulator.advance(1)
    page = hook.get_delivery_status(batch)
    assert (page.total, page.size) == (4, 2)
    assert hook.get_delivery_summary(batch).to_dict()["delivered"] == 2


def test_case_10_a_page_cut_short_is_still_caught(every8d_emulator, hook) -> None:
    batch = hook.send_sms("hello", [f"0900000{n:03d}" for n in range(1, 21)]).batch_id
    every8d_emulator.faults.add("truncated", "getDeliveryStatus", times=1)
    with pytest.raises(Every8dResponseError, match=r"status row|cut short"):
        hook.call(build.delivery_status_request(batch))
