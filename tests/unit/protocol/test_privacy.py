"""What errors and reprs may quote: the faulty value's shape, never names, phone numbers or message texts.

Exceptions end up in task logs and in the sensors' and triggers' WARNING lines.
"""

from __future__ import annotations

import json

import pytest

from airflow_provider_every8d.protocol import build, mms, param_sms, parse
from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError
from airflow_provider_every8d.protocol.privacy import excerpt, mask_numbers

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
ROW = "王小明\t+886900000123\t2021/06/01 14:25:55\t1.0\t100\t"


@pytest.mark.parametrize(("text", "masked"), [
    ("-306,手機格式不符:0900000123", "-306,手機格式不符:0900***123"),
    ("王小明\t+886900000123\t2021/06/01", "王小明\t+886***123\t2021/06/01"),
    ("0900000001/0900000002", "0900***001/0900***002"),
    ("call +14155550100 now", "call +141***100 now"),
    ("998.00,1,1,0,12345678-8506-49b2-93b7-250512345678", "998.00,1,1,0,12345678-8506-49b2-93b7-250512345678"),
    ("2021/06/01 14:25:55 1.0 100", "2021/06/01 14:25:55 1.0 100"),
    ("MSGID 00000000000000000042", "MSGID 00000000000000000042"),
])
def test_phone_numbers_in_free_text_are_masked(text: str, masked: str) -> None:
    assert mask_numbers(text) == masked


@pytest.mark.parametrize(("body", "shown"), [
    (b"0900000123,oops", "0900***123,oops"),
    (b"a\nb\rc", "a\\x0ab\\x0dc"),
    ("x" * 114 + " 0900000123", "x" * 114 + " 0900*"),  # masked before it is cut: no digits of the number
    (b"UID=x&PWD=s3cret&DEST=0900000123", "UID=x&PWD=***&DEST=0900***123"),
])
def test_excerpt_masks_numbers_and_escapes_once(body: bytes | str, shown: str) -> None:
    assert excerpt(body, secret="s3cret") == shown


def test_a_response_error_shows_control_characters_escaped_once() -> None:
    with pytest.raises(Every8dResponseError) as caught:
        parse.parse_credit(b"12ab\nmore")
    assert "'12ab\\x0amore'" in str(caught.value) and "\\\\x0a" not in str(caught.value)


@pytest.mark.parametrize(("parser", "body", "problem"), [
    (parse.parse_status_page, f"2\r\n{ROW}\r\n王小明\t+886900000124\t2021\r\n", "status row 2 has 3 columns"),
    (parse.parse_status_page, "1\r\n王小明\t+886900000123\t2021/06/01\tx\ty\t\r\n", "status row 1 has a non-numeric"),
    (parse.parse_status_page, f"3\r\n{ROW}\r\n", "page 1 holds 1 rows where the total of 3 implies 3"),
    (parse.parse_reply_page, "1\r\n王小明\t+886900000123\t我要退訂 王小明\r\n", "reply row 1 has 3 columns"),
    (parse.parse_reply_page, "2\r\n王小明\t+886900000123\t我要退訂\t2021/06/01 14:25:55\r\n",
     "page 1 holds 1 rows where the total of 2 implies 2"),
])
def test_row_errors_give_the_row_number_not_its_content(parser, body: str, problem: str) -> None:
    with pytest.raises(Every8dResponseError) as caught:
        parser(body.encode(), page=1)
    message = str(caught.value)
    assert problem in message
    for private in ("王小明", "900000123", "900000124", "我要退訂"):
        assert private not in message


def test_a_bad_fail_mobile_entry_is_counted_not_quoted() -> None:
    body = b"998.00,1,1,0,220478cc-8506-49b2-93b7-2505f651c12e,0900000123/0900000"
    with pytest.raises(Every8dResponseError) as caught:
        parse.parse_send(body, Endpoint.SEND_SMS_FILTERED)
    assert "FAIL_MOBILE entry 2 (7 characters) is not a number" in str(caught.value)
    assert "0900000123" not in str(caught.value) and "'0900000'" not in str(caught.value)


@pytest.mark.parametrize("request_", [
    build.sms_request("hi", "0900000001"),
    param_sms.param_sms_request([{"mobile": "0900000001", "content": "hi"}]),
], ids=lambda r: r.endpoint.section)
def test_the_platforms_error_text_keeps_code_and_words_but_masks_numbers(request_) -> None:
    text = "手機格式不符:0900000123"
    body = (json.dumps({"Result": False, "Status": "-306", "Msg": text}) if request_.json_fields is not None
            else f"-306,{text}").encode()
    with pytest.raises(Every8dApiError) as caught:
        request_.parse(body)
    assert (caught.value.code, caught.value.text) == (-306, "手機格式不符:0900***123")
    assert "0900000123" not in str(caught.value)


def test_a_bad_email_is_named_without_the_address() -> None:
    with pytest.raises(ValueError, match=r"recipients\[0\]\.email: 'w\*\*\*@example com' is not") as caught:
        param_sms.param_sms_request([{"mobile": "0900000001", "content": "hi", "email": "wang.xiaoming@example com"}])
    assert "xiaoming" not in str(caught.value)


@pytest.mark.parametrize("request_", [
    build.sms_request("秘密 text", "0900000123", subject="名單"),
    mms.mms_request("秘密 text", "0900000123", "名單", PNG, attachment_type="png"),
    param_sms.param_sms_request([{"mobile": "0900000123", "name": "王小明", "params": ["秘密"]}], "%field1% text"),
], ids=lambda r: r.endpoint.section)
def test_a_requests_repr_holds_no_text_numbers_or_names(request_) -> None:
    shown = repr(request_)
    assert request_.endpoint.name in shown
    for private in ("秘密", "0900000123", "王小明", "名單"):
        assert private not in shown


@pytest.mark.parametrize(("request_", "message"), [
    (build.sms_request("hello", "0900000001"), "hello"),
    (mms.mms_request("picture", "0900000001", "s", PNG, attachment_type="png"), "picture"),
    (param_sms.param_sms_request([{"mobile": "0900000001", "params": ["a"]}], "hi %field1%"), "hi %field1%"),
    (param_sms.param_sms_request([{"mobile": "0900000001", "content": "own"}]), None),
    (build.credit_request(), None),
], ids=["sms", "mms", "param", "personalised", "query"])
def test_a_request_names_its_message_text(request_, message: str | None) -> None:
    assert request_.message == message
