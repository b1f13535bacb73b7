"""The emulator's API 2.2 mode over real HTTP, spoken with urllib (not the provider's client): tokens,
bearer auth on every endpoint, JSON reports, the dry run, FAIL_BATCHID, EventID, SendParam.ashx."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator

PWD = "demo-password"


@pytest.fixture
def emu() -> Iterator[Every8dEmulator]:
    with Every8dEmulator(api_version="2.2", delivery_seconds=0, token_lifetime=60) as emulator:
        yield emulator


def _post(emu: Every8dEmulator, endpoint: str, fields: dict[str, Any], token: str | None = None,
          as_json: bool = False) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if as_json:
        body, headers["Content-Type"] = json.dumps(fields).encode(), "application/json"
    else:
        body = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(f"{emu.url}/API21/HTTP/{endpoint}.ashx", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _token(emu: Every8dEmulator) -> str:
    _, text = _post(emu, "ConnectionHandler", {"HandlerType": 3, "VerifyType": 1, "UID": "demo", "PWD": PWD},
                    as_json=True)
    answer = json.loads(text)
    assert answer["Result"] is True
    return answer["Msg"]


def _handler(emu: Every8dEmulator, verify_type: int, token: str) -> dict[str, Any]:
    return json.loads(_post(emu, "ConnectionHandler", {"HandlerType": 3, "VerifyType": verify_type}, token,
                            as_json=True)[1])


def test_get_check_and_close_a_token(emu: Every8dEmulator) -> None:
    token = _token(emu)
    assert _handler(emu, 2, token) == {"Result": True}
    assert _handler(emu, 3, token) == {"Result": True}
    refused = _handler(emu, 2, token)
    assert (refused["Result"], refused["Status"]) == (False, "-2")


def test_a_wrong_password_gets_no_token(emu: Every8dEmulator) -> None:
    _, text = _post(emu, "ConnectionHandler", {"HandlerType": 3, "VerifyType": 1, "UID": "demo", "PWD": "x"},
                    as_json=True)
    assert json.loads(text)["Result"] is False and json.loads(text)["Status"] == "-2"


def test_every_endpoint_takes_the_bearer_token_instead_of_uid_pwd(emu: Every8dEmulator) -> None:
    token = _token(emu)
    assert _post(emu, "getCredit", {}, token) == (200, "1000.00")
    status, text = _post(emu, "sendSMS", {"MSG": "hi", "DEST": "0900000001"}, token)
    assert status == 200 and text.startswith("999.00,1,1,0,")
    assert _post(emu, "getCredit", {"UID": "demo", "PWD": PWD}) == (200, "999.00")  # UID/PWD still work


def test_an_expired_or_closed_token_is_refused_with_minus_2(emu: Every8dEmulator) -> None:
    token = _token(emu)
    emu.advance(61)
    assert _post(emu, "getCredit", {}, token)[1].startswith("-2")
    assert _post(emu, "sendSMS", {"MSG": "hi", "DEST": "0900000001"}, token)[1].startswith("-2")
    assert emu.messages == []
    fresh = _token(emu)
    emu.tokens.expire_all()
    assert _post(emu, "getCredit", {}, fresh)[1].startswith("-2")


def test_status_as_json_with_mr_and_real_cost(emu: Every8dEmulator) -> None:
    token = _token(emu)
    batch = _post(emu, "sendSMS", {"MSG": "hi", "DEST": "0900000001,0900000002"}, token)[1].split(",")[4]
    emu.advance(1)
    answer = json.loads(_post(emu, "getDeliveryStatus", {"BID": batch, "RESPFORMAT": 1}, token)[1])
    assert (answer["SMS_COUNT"], answer["BID"]) == (2, batch)
    assert {row["MOBILE"] for row in answer["DATA"]} == {"+886900000001", "+886900000002"}
    assert all(row["MR"] and row["REAL_COST"] == 1 and row["STATUS"] == 100 for row in answer["DATA"])
    assert "-" in answer["DATA"][0]["SEND_TIME"]  # yyyy-MM-dd HH:mm:ss
    assert _post(emu, "getDeliveryStatus", {"BID": batch}, token)[1].startswith("2\r\n")  # TAB stays the default


def test_no_results_is_sms_count_zero_with_the_bid(emu: Every8dEmulator) -> None:
    bid = "11111111-2222-3333-4444-555555555555"
    answer = json.loads(_post(emu, "getDeliveryStatus", {"BID": bid, "RESPFORMAT": 1}, _token(emu))[1])
    assert answer == {"SMS_COUNT": 0, "BID": bid}


def test_the_dry_run_records_nothing_and_names_earlier_batches(emu: Every8dEmulator) -> None:
    token = _token(emu)
    first = _post(emu, "sendSMS", {"MSG": "same", "DEST": "0900000001"}, token)[1].split(",")[4]
    _, text = _post(emu, "sendSMS4FilterMessage", {"MSG": "same", "DEST": "0900000001,0900000002",
                                                   "IsSend": "false"}, token)
    assert text.split(",")[1:] == ["0", "0", "0", "", "0900000001", first]
    assert len(emu.messages) == 1 and emu.credit() == 999


def test_a_filtered_send_gets_fail_batch_id(emu: Every8dEmulator) -> None:
    token = _token(emu)
    first = _post(emu, "sendSMS", {"MSG": "same", "DEST": "0900000001"}, token)[1].split(",")[4]
    text = _post(emu, "sendSMS4FilterMessage", {"MSG": "same", "DEST": "0900000001,0900000002"}, token)[1]
    assert text.split(",")[1] == "1" and text.split(",")[5:] == ["0900000001", first]
    assert _post(emu, "sendSMS4FilterMessage", {"MSG": "same", "DEST": "0900000001"}, token)[1] == \
        f"-98,0900000001,{first}"


def test_event_id_appends_a_17_character_link_and_prices_it(emu: Every8dEmulator) -> None:
    token = _token(emu)
    text = _post(emu, "sendSMS", {"MSG": "x" * 60, "DEST": "0900000001", "EventID": "-1"}, token)[1]
    assert text.split(",")[2] == "2"  # 77 characters: 2 points
    (message,) = emu.messages
    assert len(message.text) == 77 and message.text.startswith("x" * 60)


def test_param_sms_is_send_param_on_2_2(emu: Every8dEmulator) -> None:
    document = {"MSG": "", "RecipientDataList": [{"Mobile": "0900000001", "Param": "hi", "Name": "", "Email": "",
                                                  "SendTime": "", "Mr": ""}], "EventID": "7"}
    status, text = _post(emu, "SendParam", document, _token(emu), as_json=True)
    assert status == 200 and json.loads(text)["Result"] is True
    assert emu.messages[0].text.startswith("hi") and len(emu.messages[0].text) == 2 + 17
    assert _post(emu, "SendParamSMS", document, _token(emu), as_json=True)[0] == 404


def test_the_token_is_never_recorded_in_fields(emu: Every8dEmulator) -> None:
    token = _token(emu)
    _post(emu, "getCredit", {}, token)
    assert all(token not in repr(record) and token not in json.dumps(dict(record.fields), default=str)
               for record in emu.requests)


def test_the_2_1_emulator_has_no_token_endpoint() -> None:
    with Every8dEmulator() as plain:
        assert _post(plain, "ConnectionHandler", {"HandlerType": 3}, as_json=True)[0] == 404
        assert json.loads(plain.connection_json()).get("extra") is None


def test_the_2_2_connection_uses_a_token(emu: Every8dEmulator) -> None:
    assert json.loads(emu.connection_json())["extra"] == {"api_version": "2.2", "auth": "token"}
