"""What API 2.2 changes in a request (protocol/api22.py): endpoint names, JSON formats, EventID and its
price, the duplicate filter's dry run; 2.2-only fields refused on a 2.1 connection before sending."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from airflow_provider_every8d.protocol import api22, build, param_sms
from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError, Every8dValidationError

BID = "220478cc-8506-49b2-93b7-2505f651c12e"
EARLIER = "11111111-2222-3333-4444-555555555555"


def _fields(request) -> dict[str, str]:
    body, _ = request.encode(None, None)
    return dict(parse_qsl(body.decode()))


def test_param_sms_goes_to_send_param_on_2_2_and_keeps_its_2_1_name() -> None:
    request = param_sms.param_sms_request([{"mobile": "0900000001", "content": "hi"}])
    assert api22.for_api(request, "2.1").url("https://x.test") == "https://x.test/API21/HTTP/SendParamSMS.ashx"
    assert api22.for_api(request, "2.2").url("https://x.test") == "https://x.test/API21/HTTP/SendParam.ashx"


@pytest.mark.parametrize("request_", [build.delivery_status_request(BID), build.replies_request(BID)])
def test_reports_ask_for_json_on_2_2_only(request_) -> None:
    assert _fields(api22.for_api(request_, "2.2"))["RESPFORMAT"] == "1"
    assert _fields(api22.for_api(request_, "2.1")).get("RESPFORMAT", "0") == "0"


@pytest.mark.parametrize("request_", [build.credit_request(), build.erase_booking_request(BID),
                                      build.delivery_status_request(BID, mms=True)])
def test_other_requests_are_the_same_on_2_2(request_) -> None:
    assert api22.for_api(request_, "2.2") == request_


def test_event_id_adds_the_field_and_prices_the_17_character_link() -> None:
    request = build.sms_request("x" * 60, ["0900000001", "0900000002"])
    with_link = api22.with_event_id(request, -1)
    assert _fields(with_link)["EventID"] == "-1"
    assert (request.estimated_cost, with_link.estimated_cost) == (2, 4)  # 60 -> 77 characters: 1 -> 2 points


def test_event_id_on_param_sms_prices_each_rendered_text() -> None:
    request = param_sms.param_sms_request([{"mobile": "0900000001", "params": ["a" * 54]},
                                           {"mobile": "0900000002", "params": ["b"]}], "Hi %field1%")
    with_link = api22.with_event_id(request, "EV01")
    assert with_link.json_fields is not None and with_link.json_fields["EventID"] == "EV01"
    assert (request.estimated_cost, with_link.estimated_cost) == (2, 3)  # 57+17 = 74: 2 points; "Hi b"+17 stays 1


@pytest.mark.parametrize(("event_id", "field"), [("", "event_id"), ("a b", "event_id"), (True, "event_id"),
                                                 ("x" * 51, "event_id")])
def test_a_bad_event_id_names_the_field(event_id: object, field: str) -> None:
    with pytest.raises(Every8dValidationError) as caught:
        api22.with_event_id(build.sms_request("hi", "0900000001"), event_id)
    assert caught.value.field == field


def test_event_id_is_not_offered_with_msg_id_or_mms() -> None:
    with pytest.raises(Every8dValidationError, match="sendSMSWithMsgID"):
        api22.with_event_id(build.sms_request("hi", "0900000001", msg_id=7), -1)


@pytest.mark.parametrize(("request_", "field"), [
    (api22.with_event_id(build.sms_request("hi", "0900000001"), -1), "event_id"),
    (api22.duplicates_request(build.sms_request("hi", "0900000001")), "dry_run"),
])
def test_2_2_fields_are_refused_on_a_2_1_connection(request_, field: str) -> None:
    with pytest.raises(Every8dValidationError) as caught:
        api22.for_api(request_, "2.1")
    assert caught.value.field == field and "2.2" in caught.value.problem


def test_the_dry_run_is_1_3_with_is_send_false_and_costs_nothing() -> None:
    request = api22.duplicates_request(build.sms_request("hi", ["0900000001", "0900000002"]))
    fields = _fields(request)
    assert request.endpoint is Endpoint.SEND_SMS_FILTERED and fields["IsSend"] == "false"
    assert (fields["MSG"], fields["DEST"], request.estimated_cost) == ("hi", "0900000001,0900000002", 0.0)


@pytest.mark.parametrize(("body", "filtered", "batches"), [
    (f"100.00,0,0,0,,0900000002,{EARLIER}", ("0900000002",), (EARLIER,)),
    (f"100.00,0,0,0,{BID},0900000002/0900000003,{EARLIER}/AB12", ("0900000002", "0900000003"), (EARLIER, "AB12")),
    ("100.00,0,0,0,,,", (), ()),
    ("100,0,0,0,", (), ()),
    (f"-98,0900000001,{EARLIER}", ("0900000001",), (EARLIER,)),
])
def test_the_dry_run_answer(body: str, filtered: tuple, batches: tuple) -> None:
    result = api22.parse_dry_run(body.encode())
    assert (result.sent, result.cost, result.filtered, result.fail_batch_ids) == (0, 0.0, filtered, batches)


def test_a_refused_dry_run_raises() -> None:
    with pytest.raises(Every8dApiError):
        api22.parse_dry_run(b"-2")
    with pytest.raises(Every8dResponseError):
        api22.parse_dry_run(b"100.00,0,0")
