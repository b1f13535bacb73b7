"""Sends 1.1-1.5 over real HTTP: answers, pricing, credit, filter, MSGID, param SMS, MMS."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from tests.integration.emulator.emulator_wire import call, call_json, send

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 100).decode()


@pytest.fixture
def emu() -> Iterator[Every8dEmulator]:
    with Every8dEmulator(delivery_seconds=0.5) as emulator:
        yield emulator


def test_send_sms_answers_credit_sent_cost_unsent_batch(emu: Every8dEmulator) -> None:
    credit, sent, cost, unsent, batch_id = send(emu, "0900000678,0900000444")
    assert (credit, sent, cost, unsent) == ("998.00", "2", "2", "0")
    assert UUID.fullmatch(batch_id)
    assert [m.mobile for m in emu.batch(batch_id)] == ["+886900000678", "+886900000444"]
    assert emu.credit() == 998.0


@pytest.mark.parametrize(
    ("length", "points"),
    [
        (1, 1),
        (70, 1),
        (71, 2),
        (134, 2),
        (135, 3),
        (201, 3),
        (202, 4),
        (268, 4),
        (269, 5),
        (333, 5),
        (334, 6),
        (403, 6),
        (404, 7),
        (666, 10),
        (667, 11),
    ],
)
def test_sms_price_follows_the_table(emu: Every8dEmulator, length: int, points: int) -> None:
    answer = send(emu, "0900000678", "測" * length)
    assert answer[2] == str(points)
    assert emu.batch(answer[4])[0].cost == points


@pytest.mark.parametrize(("length", "points"), [(70, 3), (71, 6), (334, 18)])
def test_international_sms_costs_three_times(length: int, points: int) -> None:
    with Every8dEmulator(international=True) as emu:
        answer = send(emu, "+14155550100", "x" * length)
        assert answer[2] == str(points)
        assert emu.batch(answer[4])[0].status == 0


def test_international_without_the_option_is_500_and_free(emu: Every8dEmulator) -> None:
    credit, sent, cost, unsent, batch_id = send(emu, "+14155550100,0900000678")
    assert (credit, sent, cost, unsent) == ("999.00", "2", "1", "0")
    assert [m.status for m in emu.batch(batch_id)] == [500, 0]


@pytest.mark.parametrize(
    ("credit", "answer"),
    [(2.0, ["0.00", "2", "2", "1"]), (2.5, ["0.50", "2", "2", "1"]), (0.0, ["0.00", "0", "0", "3"])],
)
def test_credit_running_out_leaves_the_rest_unsent(emu: Every8dEmulator, credit: float, answer: list[str]) -> None:
    emu.set_credit("demo", credit)
    result = send(emu, "0900000001,0900000002,0900000003")
    assert result[:4] == answer
    assert len(emu.batch(result[4])) == int(answer[1])


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"UID": "demo", "PWD": "wrong"}, "-2"),
        ({"UID": "nobody"}, "-2"),
        ({"UID": ""}, "-1"),
        ({"MSG": ""}, "-1"),
        ({"DEST": ""}, "-1"),
        ({"DEST": "0912"}, "-306"),
        ({"DEST": "0900000678,12ab"}, "-306"),
        ({"DEST": "+886212345678"}, "-306"),
        ({"ST": "2026-01-01"}, "-6"),
        ({"ST": "20261399000000"}, "-6"),
        ({"ST": "20000101000000"}, "-4"),
        ({"RETRYTIME": "abc"}, "-1"),
    ],
)
def test_send_errors(emu: Every8dEmulator, fields: dict[str, str], code: str) -> None:
    status, body = call(emu, "sendSMS", {"MSG": "hi", "DEST": "0900000678", **fields})
    assert status == 200
    assert body.split(",")[0] == code
    assert emu.messages == []
    assert emu.credit() == 1000.0


def test_bad_phone_answer_names_the_number(emu: Every8dEmulator) -> None:
    assert call(emu, "sendSMS", {"MSG": "hi", "DEST": "0912"})[1] == "-306,手機格式不符:0912"


@pytest.mark.parametrize("spelling", ["0900000678", "+886900000678", "886900000678", "0900-000 678", "(0900)000.678"])
def test_phone_spellings_are_one_number(emu: Every8dEmulator, spelling: str) -> None:
    send(emu, spelling)
    assert emu.sent_count("0900000678") == 1


def test_booking_in_the_future_is_300_past_is_immediate(emu: Every8dEmulator) -> None:
    future = (emu.now() + timedelta(hours=1)).strftime("%Y%m%d%H%M%S")
    past = (emu.now() - timedelta(hours=1)).strftime("%Y%m%d%H%M%S")
    booked = send(emu, "0900000678", ST=future)[4]
    immediate = send(emu, "0900000678", "other", ST=past)[4]
    assert emu.batch(booked)[0].status == 300
    assert emu.batch(immediate)[0].status == 0


def test_duplicate_filter_lists_filtered_numbers_and_charges_the_rest(emu: Every8dEmulator) -> None:
    send(emu, "0900000678", "same text")
    answer = send(emu, "0900000678,+886900000444,0900000444", "same text", "sendSMS4FilterMessage")
    assert answer[1:4] == ["1", "1", "0"]
    assert answer[5] == "0900000678/0900000444"
    assert emu.sent_count("0900000678") == 1


def test_duplicate_filter_all_filtered_is_minus_98(emu: Every8dEmulator) -> None:
    send(emu, "0900000678,0900000444", "same text")
    _status, body = call(emu, "sendSMS4FilterMessage", {"MSG": "same text", "DEST": "0900000678,0900000444"})
    assert body == "-98,0900000678/0900000444"
    assert emu.credit() == 998.0


def test_duplicate_filter_forgets_after_24_hours_and_ignores_other_texts(emu: Every8dEmulator) -> None:
    send(emu, "0900000678", "same text", "sendSMS4FilterMessage")
    assert send(emu, "0900000678", "another text", "sendSMS4FilterMessage")[5] == ""
    emu.advance(24 * 3600 + 1)
    assert send(emu, "0900000678", "same text", "sendSMS4FilterMessage")[1] == "1"


def test_duplicate_filter_ignores_erased_bookings(emu: Every8dEmulator) -> None:
    later = (emu.now() + timedelta(hours=1)).strftime("%Y%m%d%H%M%S")
    batch_id = send(emu, "0900000678", "same text", ST=later)[4]
    assert call(emu, "eraseBooking", {"BID": batch_id})[1] == "1,1.00"
    assert send(emu, "0900000678", "same text", "sendSMS4FilterMessage")[1] == "1"


def test_msgid_is_echoed_last(emu: Every8dEmulator) -> None:
    msgid = "00000000000001234567"
    answer = send(emu, "0900000678", endpoint="sendSMSWithMsgID", MSGID=msgid)
    assert len(answer) == 6
    assert answer[-1] == msgid
    assert emu.batch(answer[4])[0].msgid == msgid


@pytest.mark.parametrize(
    "fields",
    [
        {"MSGID": "1234"},
        {"MSGID": ""},
        {"MSGID": "0000000000000000000x"},
        {"MSGID": "00000000000000000001", "DEST": "0900000678,0900000444"},
    ],
)
def test_msgid_errors(emu: Every8dEmulator, fields: dict[str, str]) -> None:
    body = call(emu, "sendSMSWithMsgID", {"MSG": "hi", "DEST": "0900000678", **fields})[1]
    assert body.startswith("-1,")


def test_param_sms_substitutes_and_prices_each_text(emu: Every8dEmulator) -> None:
    status, answer = call_json(
        emu,
        {
            "UID": "demo",
            "PWD": "demo-password",
            "SB": "s",
            "MSG": "客戶:%field1%您好、您於%field2%到期。",
            "RETRYTIME": 1440,
            "RecipientDataList": [
                {
                    "Name": "小明",
                    "Mobile": "0900001999",
                    "Email": "",
                    "SendTime": "",
                    "Param": "小明|2021/09/30|||",
                    "Mr": "a1",
                },
                {"Name": "", "Mobile": "+886900001000", "Param": "大明|" + "x" * 80 + "|||", "Mr": ""},
            ],
        },
    )
    assert status == 200 and answer["Result"] is True and answer["Status"] == "0"
    credit, sent, cost, unsent, batch_id = answer["Msg"].split(",")
    assert (credit, sent, cost, unsent) == ("997.00", "2", "3", "0")
    first, second = emu.batch(batch_id)
    assert first.text == "客戶:小明您好、您於2021/09/30到期。"
    assert (first.name, first.mr, first.subject) == ("小明", "a1", "s")
    assert second.cost == 2


def test_personalised_sms_uses_param_as_text(emu: Every8dEmulator) -> None:
    body = {
        "UID": "demo",
        "PWD": "demo-password",
        "MSG": "",
        "RecipientDataList": [{"Mobile": "0900001999", "Param": "客戶:小明您好"}],
    }
    answer = call_json(emu, body)[1]
    assert emu.batch(answer["Msg"].split(",")[4])[0].text == "客戶:小明您好"


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"PWD": "x"}, "-2"),
        ({"RecipientDataList": []}, "-1"),
        ({"RecipientDataList": [{"Mobile": "0912", "Param": "a||||"}]}, "-306"),
        ({"RecipientDataList": [{"Mobile": "0900000678", "Param": "a|b"}]}, "-1"),
        ({"RecipientDataList": [{"Mobile": "0900000678", "Param": "a||||", "SendTime": "tomorrow"}]}, "-6"),
        (
            {
                "RecipientDataList": [
                    {"Mobile": "0900000678", "Param": "a||||", "Mr": "1"},
                    {"Mobile": "0900000444", "Param": "b||||", "Mr": "1"},
                ]
            },
            "-1",
        ),
    ],
)
def test_param_sms_errors_are_json(emu: Every8dEmulator, change: dict[str, object], status: str) -> None:
    body = {
        "UID": "demo",
        "PWD": "demo-password",
        "MSG": "%field1%",
        "RecipientDataList": [{"Mobile": "0900000678", "Param": "a||||"}],
        **change,
    }
    http_status, answer = call_json(emu, body)
    assert http_status == 200
    assert answer["Result"] is False and answer["Status"] == status and answer["Msg"]


def test_param_sms_bad_json_is_minus_1(emu: Every8dEmulator) -> None:
    assert call_json(emu, b"{not json")[1]["Status"] == "-1"


def test_mms_send_is_700_and_priced_by_size(emu: Every8dEmulator) -> None:
    fields = {"SB": "subject", "MSG": "圖", "ATTACHMENT": PNG, "TYPE": "png"}
    answer = send(emu, "0900000678,0900000444", endpoint="MMS/sendMMS", **fields)
    assert answer[1:4] == ["2", "6", "0"]
    assert [m.status for m in emu.batch(answer[4])] == [700, 700]


@pytest.mark.parametrize(("size", "points"), [(51_200 - 3, 3), (51_200 - 2, 5), (307_200 - 3, 5)])
def test_mms_price_edges_count_image_and_text_bytes(emu: Every8dEmulator, size: int, points: int) -> None:
    image = base64.b64encode(b"\0" * size).decode()
    answer = send(emu, "0900000678", "圖", "MMS/sendMMS", ATTACHMENT=image, TYPE="jpg")
    assert answer[2] == str(points)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"ATTACHMENT": base64.b64encode(b"\0" * 307_200).decode()}, "-5"),
        ({"TYPE": "gif"}, "-1"),
        ({"ATTACHMENT": "!!!"}, "-1"),
        ({"ATTACHMENT": ""}, "-1"),
        ({"SB": "中" * 16}, "-1"),
        ({"SB": "a" * 96}, "-1"),
        ({"MSG": "x" * 4001}, "-5"),
        ({"DEST": "+14155550100"}, "-306"),
    ],
)
def test_mms_errors(emu: Every8dEmulator, fields: dict[str, str], code: str) -> None:
    base = {"SB": "s", "MSG": "m", "DEST": "0900000678", "ATTACHMENT": PNG, "TYPE": "png"}
    assert call(emu, "MMS/sendMMS", {**base, **fields})[1].split(",")[0] == code


@pytest.mark.parametrize("subject", ["中" * 15, "a" * 95, ""])
def test_mms_subject_limits_accept_the_edges(emu: Every8dEmulator, subject: str) -> None:
    send(emu, "0900000678", endpoint="MMS/sendMMS", SB=subject, ATTACHMENT=PNG, TYPE="JPEG")
