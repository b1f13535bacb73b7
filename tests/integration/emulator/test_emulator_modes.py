"""The emulator's modes (issue 12) on the wire, read with urllib only (never the provider's parsers)."""

from __future__ import annotations

import base64
import json
import urllib.parse
import urllib.request
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator, Modes

DEMO = {"UID": "demo", "PWD": "demo-password"}
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 32).decode()


def post(emu: Every8dEmulator, endpoint: str, fields: dict[str, Any] | None = None, **kwargs: Any) -> bytes:
    """POST a form (or, with ``json_body``, 1.5's JSON) and return the raw answer body."""
    if "json_body" in kwargs:
        data, kind = json.dumps({**DEMO, **kwargs["json_body"]}).encode(), "application/json"
    else:
        data, kind = urllib.parse.urlencode({**DEMO, **(fields or {})}).encode(), "application/x-www-form-urlencoded"
    request = urllib.request.Request(f"{emu.url}/API21/HTTP/{endpoint}.ashx", data=data,
                                     headers={"Content-Type": kind})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read()


def send(emu: Every8dEmulator, dest: str = "0900000001", msg: str = "hi", **fields: str) -> str:
    """A 1.1 send; its BATCH_ID."""
    return post(emu, "sendSMS", {"MSG": msg, "DEST": dest, "SB": "", "ST": "", **fields}).decode().split(",")[4]


@pytest.mark.parametrize(("strict", "fields", "answer", "minutes"), [
    (True, {}, "ok", 1440), (True, {"RETRYTIME": "60"}, "ok", 60),
    (True, {"RETRYTIME": ""}, "-1,參數錯誤:RETRYTIME", None), (False, {"RETRYTIME": ""}, "ok", 1440),
])
def test_retrytime_missing_is_the_default_and_empty_is_refused_when_strict(
    strict: bool, fields: dict[str, str], answer: str, minutes: int | None
) -> None:
    with Every8dEmulator(modes={"strict": strict}) as emu:
        body = post(emu, "sendSMS", {"MSG": "hi", "DEST": "0900000001", **fields}).decode()
        assert body.startswith(answer) if answer != "ok" else body.count(",") == 4
        assert [m.retry_time for m in emu.messages] == ([minutes] if minutes else [])


def test_empty_pages_and_rows_visible_only_after_a_while() -> None:
    with Every8dEmulator(delivery_seconds=0, modes={"visible_after": 5.0}) as emu:
        batch = send(emu)
        assert post(emu, "getDeliveryStatus", {"BID": batch}) == b"0"
        emu.modes.empty_pages = True
        assert post(emu, "getDeliveryStatus", {"BID": batch}) == b""
        assert post(emu, "getReplyMessage", {"BID": batch}) == b""
        emu.advance(6)
        assert post(emu, "getDeliveryStatus", {"BID": batch}).decode().split("\r\n")[0] == "1"
        assert post(emu, "getReplyMessage", {"BID": batch}) == b""  # no replies: no rows


@pytest.mark.parametrize(("style", "send_answer", "credit_answer"), [
    ("comma", "-2,帳號或密碼錯誤", "-2,帳號或密碼錯誤"),
    ("comma_space", "-2, 帳號或密碼錯誤", "-2, 帳號或密碼錯誤"),
    ("space", "-2 帳號或密碼錯誤", "-2 帳號或密碼錯誤"),
    ("bare", "-2", "-2"),
    ("decimal", "-2.00", "-2.00"),
    ("send_shape", "-2.00,0,0,0,", "-2.00"),
])
@pytest.mark.parametrize("encoding", ["utf-8", "big5"])
def test_refusal_styles_and_big5(style: str, send_answer: str, credit_answer: str, encoding: str) -> None:
    with Every8dEmulator(modes=Modes(refusal_style=style, error_encoding=encoding)) as emu:
        emu.account().password = "changed"
        codec = "cp950" if encoding == "big5" else "utf-8"
        assert post(emu, "sendSMS", {"MSG": "hi", "DEST": "0900000001"}) == send_answer.encode(codec)
        assert post(emu, "getCredit") == credit_answer.encode(codec)


def test_send_shape_with_a_batch_id_and_minus_98_always_plain() -> None:
    with Every8dEmulator(modes={"refusal_style": "send_shape_id"}) as emu:
        fields = {"MSG": "hi", "DEST": "0900000001"}
        post(emu, "sendSMS4FilterMessage", fields)
        assert post(emu, "sendSMS4FilterMessage", fields) == b"-98,0900000001"
        emu.account().password = "changed"
        credit, *zeros, batch = post(emu, "sendSMS", fields).decode().split(",")
        assert (credit, zeros, len(batch)) == ("-2.00", ["0", "0", "0"], 36)


@pytest.mark.parametrize(("style", "keys", "result"), [
    ("standard", ["Result", "Status", "Msg"], True),
    ("string_result", ["Result", "Status", "Msg"], "true"),
    ("lower_keys", ["result", "status", "msg"], "True"),
])
def test_json_styles_of_the_param_send_answer(style: str, keys: list[str], result: object) -> None:
    with Every8dEmulator(modes={"json_style": style}) as emu:
        answer = json.loads(post(emu, "SendParamSMS", json_body={"SB": "", "MSG": "", "RecipientDataList": [
            {"Mobile": "0900000001", "Param": "hi", "SendTime": "", "Name": "", "Email": "", "Mr": ""}]}))
        assert list(answer) == keys and answer[keys[0]] == result


def test_the_count_line_in_sms_parts() -> None:
    with Every8dEmulator(international=True, delivery_seconds=0, modes={"count_parts": True}) as emu:
        batch = send(emu, "+81312345678,0900000001", "長" * 150)
        lines = post(emu, "getDeliveryStatus", {"BID": batch}).decode().split("\r\n")
        assert (lines[0], len(lines)) == ("4", 3)  # 3 parts abroad + 1, two rows


def test_free_text_raw_keeps_tabs_and_separators_flatten_does_not() -> None:
    with Every8dEmulator(delivery_seconds=0) as emu:
        batch = send(emu)
        emu.inject_reply(batch, "0900000001", "a\tb\u2028c\x1cd\re\nf", name="王\t明")
        assert post(emu, "getReplyMessage", {"BID": batch}).decode().split("\r\n")[1].split("\t")[:5] == [
            "王", "明", "+886900000001", "a", "b\u2028c\x1cd e f"]
        emu.modes.free_text = "flatten"
        row = post(emu, "getReplyMessage", {"BID": batch}).decode().split("\r\n")[1]
        assert row.split("\t")[:3] == ["王 明", "+886900000001", "a b\u2028c\x1cd e f"]


def test_dotnet_push_fields() -> None:
    with Every8dEmulator(delivery_seconds=0, push_url="http://127.0.0.1:9/push", push_max_attempts=1,
                         modes={"push_style": "dotnet"}) as emu:
        post(emu, "sendSMSWithMsgID", {"MSG": "hi", "DEST": "0900000001", "MSGID": "7".zfill(20)})
        (attempt,) = emu.wait_for_pushes(1, ok_only=False)
    params = attempt.params
    assert "午" in params["ST"] and "午" in params["RT"] and params["MSGID"] == "7".zfill(24)
    assert (params["TYPE"], params["SOURCE"]) == ("SMS", "API")


def test_short_batch_ids_and_mms_failures_by_number() -> None:
    with Every8dEmulator(accounts={"demo": {"password": "demo-password", "batch_ids": "short"}}) as emu:
        assert len(send(emu)) == 13 and send(emu).isdigit()
        answer = post(emu, "MMS/sendMMS", {"SB": "s", "MSG": "hi", "DEST": "0900000103,0900000001",
                                           "TYPE": "png", "ATTACHMENT": PNG}).decode()
        rows = post(emu, "MMS/getDeliveryStatus", {"BID": answer.split(",")[4]}).decode().split("\r\n")[1:]
        assert [row.split("\t")[4] for row in rows] == ["103", "700"]


@pytest.mark.parametrize("change", [{"refusal_style": "loud"}, {"error_encoding": "latin-1"},
                                    {"visible_after": -1}, {"json_style": "xml"}, {"push_style": "java"}])
def test_an_unknown_mode_value_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="mode"):
        Modes(**change)
