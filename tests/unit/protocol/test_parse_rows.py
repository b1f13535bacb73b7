"""Field realities (5/6-column rows, empty names) and the error answers of every endpoint."""

from __future__ import annotations

import json

import pytest

from airflow_provider_every8d.protocol import build, mms, param_sms, parse
from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.mark.parametrize(
    ("line", "name", "status", "received"),
    [
        ("Roger\t+886900000001\t2021/06/01 14:25:55\t1.0\t100\t2021/06/01 16:56:20", "Roger", 100,
         "2021/06/01 16:56:20"),
        ("Roger\t+886900000001\t2021/06/01 14:25:55\t1.0\t100", "Roger", 100, ""),
        ("\t+886900000001\t2021/06/01 14:25:55\t1.0\t0\t", "", 0, ""),
        ("\t+886900000001\t2021/06/01 14:25:55\t1.0\t-3", "", -3, ""),
        ("\t+886900000001\t2021/06/01 14:25:55\t\t300\t", "", 300, ""),
    ],
)
def test_status_rows_of_five_or_six_columns(line, name, status, received):
    page = parse.parse_status_page(f"1\r\n{line}\r\n".encode())
    (row,) = page.rows
    assert (row.name, row.mobile, row.status, row.received_time) == (name, "+886900000001", status, received)


def _requests():
    """One built request per endpoint, so every parser is exercised through ApiRequest.parse."""
    return [
        build.sms_request("hi", "0900000001"),
        build.sms_request("hi", "0900000001", deduplicate=True),
        build.sms_request("hi", "0900000001", msg_id=7),
        mms.mms_request("hi", "0900000001", "subject", PNG, attachment_type="png"),
        param_sms.param_sms_request([{"mobile": "0900000001", "content": "hi"}]),
        build.delivery_status_request("b-1"),
        build.delivery_status_request("b-1", mms=True),
        build.replies_request("b-1"),
        build.credit_request(),
        build.erase_booking_request("b-1"),
        build.erase_booking_request("b-1", mms=True),
    ]


@pytest.mark.parametrize("request_", _requests(), ids=lambda r: r.endpoint.section)
@pytest.mark.parametrize(("body", "code", "text"), [
    (b"-99", -99, ""),
    (b"-306,\xe6\x89\x8b\xe6\xa9\x9f\xe6\xa0\xbc\xe5\xbc\x8f\xe4\xb8\x8d\xe7\xac\xa6:0912", -306, "手機格式不符:0912"),
    (b"-2,wrong password\r\n", -2, "wrong password"),
])
def test_negative_answers_raise_api_error(request_, body, code, text):
    if request_.endpoint is Endpoint.SEND_PARAM_SMS:
        body = json.dumps({"Result": False, "Status": str(code), "Msg": text}).encode()
    with pytest.raises(Every8dApiError) as caught:
        request_.parse(body)
    assert (caught.value.code, caught.value.text) == (code, text)
    assert str(code) in str(caught.value)


@pytest.mark.parametrize("request_", _requests(), ids=lambda r: r.endpoint.section)
@pytest.mark.parametrize("body", [
    b"<html><body>500 Internal Server Error</body></html>",
    b"\xff\xfe\x00garbage",
    b"hello,world",
    b"12ab",
])
def test_malformed_answers_raise_response_error(request_, body):
    with pytest.raises(Every8dResponseError) as caught:
        request_.parse(body)
    assert len(caught.value.excerpt) <= 120


@pytest.mark.parametrize("body", [b"", b"   \r\n"])
@pytest.mark.parametrize("request_", [r for r in _requests() if r.endpoint not in (
    Endpoint.ERASE_BOOKING, Endpoint.ERASE_MMS_BOOKING, Endpoint.DELIVERY_STATUS, Endpoint.MMS_DELIVERY_STATUS,
    Endpoint.REPLIES)], ids=lambda r: r.endpoint.section)
def test_empty_answers_are_errors_except_for_erase_and_pages(request_, body):
    with pytest.raises(Every8dResponseError):
        request_.parse(body)


def test_bom_and_crlf_are_tolerated():
    assert parse.parse_credit("\ufeff100.00\r\n".encode()) == 100.0


def test_response_error_excerpt_never_holds_the_password():
    from airflow_provider_every8d.protocol.privacy import excerpt

    assert "s3cret" not in excerpt(b"echo UID=x&PWD=s3cret", secret="s3cret")


@pytest.mark.parametrize(("page", "rows", "total", "ok"), [
    (1, 3, 3, True), (1, 2, 3, False), (1, 1000, 2500, True), (3, 500, 2500, True), (3, 499, 2500, False),
    (4, 0, 2500, True),
])
def test_a_page_with_fewer_rows_than_the_total_implies_is_cut_short(page, rows, total, ok):
    line = "\t+886900000001\t2021/06/01 14:25:55\t1.0\t100\t\r\n"
    body = f"{total}\r\n{line * rows}".encode()
    if ok:
        assert len(parse.parse_status_page(body, page=page).rows) == rows
    else:
        with pytest.raises(Every8dResponseError, match="cut short"):
            parse.parse_status_page(body, page=page)


@pytest.mark.parametrize(("endpoint", "body"), [
    (Endpoint.SEND_SMS, "998.00,1,1,0,6e5c0771-d8"),
    (Endpoint.SEND_SMS, "998.00,1,1,0,"),
    (Endpoint.SEND_SMS_FILTERED, "998.00,1,1,0,220478cc-8506-49b2-93b7-2505f651c12e,0900000001/09000"),
    (Endpoint.SEND_SMS_FILTERED, "-98,0900000001/0900"),
])
def test_a_send_answer_cut_short_never_yields_a_wrong_batch_id_or_number(endpoint, body):
    with pytest.raises(Every8dResponseError):
        parse.parse_send(body.encode(), endpoint)
