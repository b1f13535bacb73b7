"""Every invalid argument fails with an error naming the field, and the emulator receives no request."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.operators.every8d import (
    Every8dEraseBookingOperator,
    Every8dSendMmsOperator,
    Every8dSendParamSmsOperator,
    Every8dSendSmsOperator,
)
from airflow_provider_every8d.protocol.errors import Every8dValidationError
from tests.helpers import numbers

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
SMS = {"message": "hello", "recipients": ["0900000001"]}
MMS = {"message": "hi", "recipients": ["0900000001"], "subject": "Coupon", "attachment": PNG,
       "attachment_type": "png"}
PARAM = {"message": "Hi %field1%", "recipients": [{"mobile": "0900000001", "params": ["Lin"]}]}

CASES: list[tuple[str, type, dict[str, Any], str]] = [
    ("bad number", Every8dSendSmsOperator, {**SMS, "recipients": ["0900000001", "12ab"]}, "recipients[1]"),
    ("bad number in the last chunk", Every8dSendSmsOperator,
     {**SMS, "recipients": [*numbers(2499), "0800"], "chunk_size": 500}, "recipients[2499]"),
    ("int number", Every8dSendSmsOperator, {**SMS, "recipients": [900000001]}, "recipients[0]"),
    ("no recipients", Every8dSendSmsOperator, {**SMS, "recipients": []}, "recipients"),
    ("naive datetime", Every8dSendSmsOperator, {**SMS, "send_time": datetime(2030, 1, 1, 9)}, "send_time"),
    ("send_time nonsense", Every8dSendSmsOperator, {**SMS, "send_time": "tomorrow"}, "send_time"),
    ("MSGID of 21 digits", Every8dSendSmsOperator, {**SMS, "msg_id": "1" * 21}, "msg_id"),
    ("MSGID with letters", Every8dSendSmsOperator, {**SMS, "msg_id": "12ab"}, "msg_id"),
    ("several recipients with MSGID", Every8dSendSmsOperator,
     {**SMS, "recipients": numbers(2), "msg_id": "7"}, "recipients"),
    ("MSGID with deduplicate", Every8dSendSmsOperator, {**SMS, "msg_id": "7", "deduplicate": True}, "msg_id"),
    ("empty message", Every8dSendSmsOperator, {**SMS, "message": ""}, "message"),
    ("blank message", Every8dSendSmsOperator, {**SMS, "message": "  \n"}, "message"),
    ("retry_time 0", Every8dSendSmsOperator, {**SMS, "retry_time": 0}, "retry_time"),
    ("MMS over 300 KB", Every8dSendMmsOperator, {**MMS, "attachment": PNG + b"\0" * 307_200}, "attachment"),
    ("gif attachment", Every8dSendMmsOperator, {**MMS, "attachment_type": "gif"}, "attachment_type"),
    ("bytes without a type", Every8dSendMmsOperator, {**MMS, "attachment_type": None}, "attachment_type"),
    ("png type, jpeg bytes", Every8dSendMmsOperator, {**MMS, "attachment": b"\xff\xd8\xff" + b"\0" * 50},
     "attachment"),
    ("missing file", Every8dSendMmsOperator, {**MMS, "attachment": "/nonexistent/coupon.png"}, "attachment"),
    ("over-long Chinese subject", Every8dSendMmsOperator, {**MMS, "subject": "優" * 16}, "subject"),
    ("over-long ASCII subject", Every8dSendMmsOperator, {**MMS, "subject": "s" * 96}, "subject"),
    ("MMS without subject", Every8dSendMmsOperator, {**MMS, "subject": ""}, "subject"),
    ("MMS abroad", Every8dSendMmsOperator, {**MMS, "recipients": ["+14155550100"]}, "recipients[0]"),
    ("6 params", Every8dSendParamSmsOperator,
     {**PARAM, "recipients": [{"mobile": "0900000001", "params": list("abcdef")}]}, "recipients[0].params"),
    ("| inside a param", Every8dSendParamSmsOperator,
     {**PARAM, "recipients": [{"mobile": "0900000001", "params": ["a", "b|c"]}]}, "recipients[0].params[1]"),
    ("param SMS bad number in a later chunk", Every8dSendParamSmsOperator,
     {**PARAM, "chunk_size": 1, "recipients": [{"mobile": "0900000001", "params": ["a"]},
                                                {"mobile": "0900000002", "params": ["b"]},
                                                {"mobile": "12", "params": ["c"]}]}, "recipients[2].mobile"),
    ("param SMS same text twice across chunks", Every8dSendParamSmsOperator,
     {**PARAM, "chunk_size": 1, "recipients": [{"mobile": "0900000001", "params": ["a"]},
                                                {"mobile": "0900000001", "params": ["a"]}]}, "recipients[1]"),
    ("param SMS empty content", Every8dSendParamSmsOperator,
     {"recipients": [{"mobile": "0900000001", "content": ""}]}, "recipients[0].content"),
    ("param SMS not dicts", Every8dSendParamSmsOperator, {**PARAM, "recipients": ["0900000001"]}, "recipients[0]"),
    ("erase a bad batch id", Every8dEraseBookingOperator, {"batch_id": "not an id!"}, "batch_id[0]"),
    ("erase nothing", Every8dEraseBookingOperator, {"batch_id": []}, "batch_id"),
]


@pytest.mark.parametrize(("operator", "kwargs", "field"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_invalid_argument_names_the_field_and_sends_nothing(every8d_emulator: Every8dEmulator, operator: type,
                                                            kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(Every8dValidationError) as caught:
        operator(task_id="t", **kwargs).execute({})
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert every8d_emulator.requests == []


def test_gif_file_is_refused_by_its_name(every8d_emulator: Every8dEmulator, tmp_path: Path) -> None:
    image = tmp_path / "animation.gif"
    image.write_bytes(b"GIF89a" + b"\0" * 20)
    with pytest.raises(Every8dValidationError, match=r"^attachment_type: 'gif' is not supported"):
        Every8dSendMmsOperator(task_id="t", **{**MMS, "attachment": image, "attachment_type": None}).execute({})
    assert every8d_emulator.requests == []


@pytest.mark.parametrize(("option", "value"), [("chunk_size", 0), ("chunk_size", 1.5), ("max_cost", -1),
                                               ("poll_interval", 0), ("min_delivery_rate", 1.5)])
def test_invalid_option_fails_when_the_dag_is_parsed(option: str, value: Any) -> None:
    with pytest.raises(Every8dValidationError) as caught:
        Every8dSendSmsOperator(task_id="t", **SMS, **{option: value})
    assert caught.value.field == option
