"""Argument rules of the protocol layer: every bad input names its field and its problem."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pendulum
import pytest

from airflow_provider_every8d.protocol import build, mms, param_sms
from airflow_provider_every8d.protocol.endpoints import Endpoint, base_url
from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.phones import canonical, parse_phone
from airflow_provider_every8d.protocol.privacy import mask
from airflow_provider_every8d.protocol.times import format_send_time, validate_retry_time

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
JPG = b"\xff\xd8\xff\xe0" + b"\0" * 64
GIF = b"GIF89a" + b"\0" * 64


@pytest.mark.parametrize(("given", "wire", "international"), [
    ("0900000678", "0900000678", False),
    ("0900-000-678", "0900000678", False),
    ("0900 000 678", "0900000678", False),
    ("+886900000678", "0900000678", False),
    ("886900000678", "0900000678", False),
    ("+886 (900) 000.678", "0900000678", False),
    ("00886900000678", "0900000678", False),
    ("+81312345678", "+81312345678", True),
    ("+14155550100", "+14155550100", True),
])
def test_valid_numbers(given, wire, international):
    phone = parse_phone(given)
    assert (phone.wire, phone.international) == (wire, international)
    assert parse_phone(phone.wire) == phone  # idempotent


@pytest.mark.parametrize("given", ["", "12ab", "090000067", "09000006789", "0800000678", "+886800000678",
                                   "+1234", "+12345678901234567", "900000678", "0900000678x"])
def test_invalid_numbers_name_the_field(given):
    with pytest.raises(Every8dValidationError) as caught:
        parse_phone(given, "recipients[3]")
    assert caught.value.field == "recipients[3]"


def test_an_int_number_is_refused_because_it_lost_its_zero():
    with pytest.raises(Every8dValidationError, match="leading 0"):
        parse_phone(900000678)


@pytest.mark.parametrize(("number", "masked"), [("0900000678", "0900***678"), ("+886900000678", "+886***678"),
                                                ("12", "***")])
def test_mask(number, masked):
    assert mask(number) == masked


def test_canonical_maps_report_and_wire_forms_together():
    assert canonical("+886900000678") == canonical("0900000678") == "0900000678"


@pytest.mark.parametrize(("value", "wire"), [
    (None, ""),
    ("", ""),
    ("20300131153000", "20300131153000"),
    (datetime(2030, 1, 31, 7, 30, tzinfo=timezone.utc), "20300131153000"),
    (pendulum.datetime(2030, 1, 31, 15, 30, tz="Asia/Taipei"), "20300131153000"),
    (pendulum.datetime(2030, 1, 31, 0, 30, tz="America/New_York"), "20300131133000"),
    ("2030-01-31T07:30:00+00:00", "20300131153000"),
])
def test_send_time_is_sent_in_taiwan_time(value, wire):
    assert format_send_time(value) == wire


@pytest.mark.parametrize(("value", "problem"), [
    (datetime(2030, 1, 31, 15, 30), "naive"),
    ("20301331153000", "not a valid date"),
    (1700000000, "expected a datetime"),
])
def test_bad_send_times(value, problem):
    with pytest.raises(Every8dValidationError, match=problem) as caught:
        format_send_time(value)
    assert caught.value.field == "send_time"


@pytest.mark.parametrize(("value", "wire"), [(None, ""), (1440, "1440"), ("60", "60"), (timedelta(hours=2), "120")])
def test_retry_time(value, wire):
    assert validate_retry_time(value) == wire


@pytest.mark.parametrize("value", [0, -5, 1.5, "abc", True, timedelta(seconds=90)])
def test_bad_retry_time(value):
    with pytest.raises(Every8dValidationError) as caught:
        validate_retry_time(value)
    assert caught.value.field == "retry_time"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"message": "", "recipients": "0900000001"}, "message"),
    ({"message": "   ", "recipients": "0900000001"}, "message"),
    ({"message": "x" * 2001, "recipients": "0900000001"}, "message"),
    ({"message": "hi", "recipients": []}, "recipients"),
    ({"message": "hi", "recipients": ["0900000001", "12ab"]}, "recipients[1]"),
    ({"message": "hi", "recipients": "0900000001", "msg_id": "1" * 21}, "msg_id"),
    ({"message": "hi", "recipients": "0900000001", "msg_id": "12a"}, "msg_id"),
    ({"message": "hi", "recipients": "0900000001,0900000002", "msg_id": 1}, "recipients"),
    ({"message": "hi", "recipients": "0900000001", "msg_id": 1, "deduplicate": True}, "msg_id"),
    ({"message": "hi", "recipients": "0900000001", "send_time": datetime(2030, 1, 1)}, "send_time"),
    ({"message": "hi", "recipients": "0900000001", "retry_time": -1}, "retry_time"),
])
def test_bad_sms_arguments(kwargs, field):
    with pytest.raises(Every8dValidationError) as caught:
        build.sms_request(**kwargs)
    assert caught.value.field == field


def test_sms_endpoints_and_fields():
    assert build.sms_request("hi", "0900000001").endpoint is Endpoint.SEND_SMS
    assert build.sms_request("hi", "0900000001", deduplicate=True).endpoint is Endpoint.SEND_SMS_FILTERED
    request = build.sms_request("hi", "+886900000001, 0900000001,0900000002", msg_id=None)
    assert dict(request.fields)["DEST"] == "0900000001,0900000002"  # duplicates sent once
    with_id = build.sms_request("hi", "0900000001", msg_id=42)
    assert (with_id.endpoint, dict(with_id.fields)["MSGID"]) == (Endpoint.SEND_SMS_WITH_MSG_ID, "0" * 18 + "42")


def test_credentials_only_in_the_body():
    request = build.credit_request()
    body, _ = request.encode("user", "p@ss&word")
    assert body == b"UID=user&PWD=p%40ss%26word"
    assert "p@ss" not in request.url("https://oms.every8d.com") and "p@ss" not in repr(request)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"subject": "一二三四五六七八九十一二三四五六"}, "subject"),
    ({"subject": "a" * 96}, "subject"),
    ({"subject": ""}, "subject"),
    ({"attachment": GIF, "attachment_type": "gif"}, "attachment_type"),
    ({"attachment": GIF, "attachment_type": "png"}, "attachment"),
    ({"attachment": b"", "attachment_type": "png"}, "attachment"),
    ({"attachment": PNG + b"\0" * 300 * 1024}, "attachment"),
    ({"message": "x" * 4001}, "message"),
    ({"recipients": "+81312345678"}, "recipients[0]"),
])
def test_bad_mms_arguments(kwargs, field):
    arguments = {"message": "hi", "recipients": "0900000001", "subject": "Hello", "attachment": PNG,
                 "attachment_type": "png", **kwargs}
    with pytest.raises(Every8dValidationError) as caught:
        mms.mms_request(**arguments)
    assert caught.value.field == field


@pytest.mark.parametrize(("subject", "ok"), [("一二三四五六七八九十一二三四五", True), ("a" * 95, True)])
def test_mms_subject_limits(subject, ok):
    assert mms.mms_request("hi", "0900000001", subject, JPG, attachment_type="jpeg").endpoint is Endpoint.SEND_MMS


@pytest.mark.parametrize(("name", "kind"), [("photo.JPG", "jpg"), ("a/b.png", "png"), ("noext", None)])
def test_attachment_type_from_name(name, kind):
    assert mms.attachment_type_from_name(name) == kind


@pytest.mark.parametrize(("recipients", "message", "field"), [
    ([{"mobile": "0900000001", "params": ["1", "2", "3", "4", "5", "6"]}], "%field1%", "recipients[0].params"),
    ([{"mobile": "0900000001", "params": ["a|b"]}], "%field1%", "recipients[0].params[0]"),
    ([{"mobile": "0900000001"}], None, "recipients[0].content"),
    ([{"mobile": "0900000001", "content": ""}], None, "recipients[0].content"),
    ([{"mobile": "0900000001", "content": "x", "params": ["a"]}], "%field1%", "recipients[0].content"),
    ([{"moblie": "0900000001"}], "%field1%", "recipients[0]"),
    ([{"name": "x"}], "%field1%", "recipients[0].mobile"),
    ([{"mobile": "12ab", "params": []}], "%field1%", "recipients[0].mobile"),
    ([{"mobile": "0900000001", "mr": "1"}, {"mobile": "0900000002", "mr": "1"}], "hi", "recipients[1].mr"),
    ([{"mobile": "0900000001", "email": "nope"}], "hi", "recipients[0].email"),
    ([{"mobile": "0900000001", "send_time": datetime(2030, 1, 1)}], "hi", "recipients[0].send_time"),
    ([], "hi", "recipients"),
    ("0900000001", "hi", "recipients"),
])
def test_bad_param_sms_arguments(recipients, message, field):
    with pytest.raises(Every8dValidationError) as caught:
        param_sms.param_sms_request(recipients, message)
    assert caught.value.field == field


def test_param_sms_pads_params_to_five_fields_and_prices_the_rendered_text():
    request = param_sms.param_sms_request([{"mobile": "0900000001", "params": ["小明", "2021/09/30"]}],
                                       message="客戶:%field1%您好、您於%field2%到期。")
    entry = request.json_fields["RecipientDataList"][0]
    assert entry["Param"] == "小明|2021/09/30|||"
    assert request.estimated_cost == 1


@pytest.mark.parametrize(("host", "port", "url"), [
    (None, None, "https://oms.every8d.com"),
    ("", None, "https://oms.every8d.com"),
    ("https://api.e8d.tw/", None, "https://api.e8d.tw"),
    ("https://biz3.every8d.com.tw/prepaid/", None, "https://biz3.every8d.com.tw/prepaid"),
    ("https://biz3.every8d.com.tw/prepaid/API21/HTTP", None, "https://biz3.every8d.com.tw/prepaid"),
    ("http://127.0.0.1:8088", None, "http://127.0.0.1:8088"),
    ("http://127.0.0.1", 8088, "http://127.0.0.1:8088"),
    ("http://127.0.0.1:8088", 8088, "http://127.0.0.1:8088"),
])
def test_base_url(host, port, url):
    assert base_url(host, port) == url


@pytest.mark.parametrize(("host", "port", "field"), [
    ("oms.every8d.com", None, "host"),
    ("ftp://oms.every8d.com", None, "host"),
    ("https://user:pw@oms.every8d.com", None, "host"),
    ("https://oms.every8d.com?UID=x", None, "host"),
    ("http://127.0.0.1:8088", 9000, "port"),
])
def test_bad_hosts(host, port, field):
    with pytest.raises(Every8dValidationError) as caught:
        base_url(host, port)
    assert caught.value.field == field


def test_param_sms_recipient_keys_tell_messages_apart_and_ignore_the_number_form():
    keys = param_sms.recipient_keys(param_sms.param_sms_request(
        [{"mobile": "0900000001", "content": "a"}, {"mobile": "+886900000001", "content": "b"},
         {"mobile": "0900000002", "content": "a"}]))
    again = param_sms.recipient_keys(param_sms.param_sms_request([{"mobile": "+886 900 000 001", "content": "a"}]))
    assert len(set(keys)) == 3 and again == keys[:1]
