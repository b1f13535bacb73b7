"""Every example answer printed in the spec parses to the values the spec says it carries."""

from __future__ import annotations

import pytest

from airflow_provider_every8d.protocol import parse
from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.models import DeliveryRow, Reply

# The spec's example phone numbers (+8869331231xx) are replaced by fakes (+8869000011xx): the project
# never writes a real-looking number; the rest of each example is as printed.
BATCH = "220478cc-8506-49b2-93b7-2505f651c12e"


@pytest.mark.parametrize(
    ("section", "endpoint", "body", "expected"),
    [
        ("1.1", Endpoint.SEND_SMS, f"1230.00,4,4,0,{BATCH}", (1230.0, 4, 4.0, 0, BATCH, (), None)),
        ("1.2", Endpoint.SEND_MMS, f"1230.00,4,4,0,{BATCH}", (1230.0, 4, 4.0, 0, BATCH, (), None)),
        # 1.3's printed example wraps in the PDF ("0900000000\n2"); its FAIL_MOBILE row says 0900000001/0900000002.
        ("1.3", Endpoint.SEND_SMS_FILTERED, f"1230.00,4,4,0,{BATCH},0900000001/0900000002",
         (1230.0, 4, 4.0, 0, BATCH, ("0900000001", "0900000002"), None)),
        ("1.3 nothing filtered", Endpoint.SEND_SMS_FILTERED, f"1230.00,4,4,0,{BATCH},",
         (1230.0, 4, 4.0, 0, BATCH, (), None)),
        # 1.4's example has one field more than its description; MSGID is the last.
        ("1.4", Endpoint.SEND_SMS_WITH_MSG_ID, f"1230.00,4,4,0,{BATCH},1234567890,000000000000000001234567",
         (1230.0, 4, 4.0, 0, BATCH, (), "000000000000000001234567")),
        ("1.4 as described", Endpoint.SEND_SMS_WITH_MSG_ID, f"1230.00,1,1,0,{BATCH},00000000000000000001",
         (1230.0, 1, 1.0, 0, BATCH, (), "00000000000000000001")),
    ],
)
def test_send_answers(section, endpoint, body, expected):
    result = parse.parse_send(body.encode(), endpoint)
    assert (result.credit, result.sent, result.cost, result.unsent, result.batch_id, result.filtered,
            result.msg_id) == expected


def test_filter_everything_filtered_is_a_result_not_an_error():
    result = parse.parse_send(b"-98,0900000001/0900000002", Endpoint.SEND_SMS_FILTERED)
    assert (result.sent, result.batch_id, result.filtered) == (0, "", ("0900000001", "0900000002"))


def test_param_sms_example():
    body = '{"Result":true,"Status":"0","Msg":"56.00,2,2,0,40cc00bf-43ce-4d14-889d-51602ccc465d"}'
    result = parse.parse_param_send(body.encode())
    assert (result.credit, result.sent, result.cost, result.unsent, result.batch_id) == (
        56.0, 2, 2.0, 0, "40cc00bf-43ce-4d14-889d-51602ccc465d")


STATUS_EXAMPLE = (
    "1130\r\n"
    "Roger\t+886900001123\t2021/06/01 14:25:55\t1.0\t100\t2021/06/01 16:56:20\r\n"
    "Peggy\t+886900001122\t2021/06/01 14:26:55\t1.0\t100\t2021/06/01 16:56:20\r\n"
    "Larry\t+886900001121\t2021/06/01 14:27:55\t1.0\t103\t2021/06/01 16:56:20\r\n"
)


def test_delivery_status_example():
    page = parse.parse_status_page(STATUS_EXAMPLE.encode())
    assert page.total == 1130
    assert page.rows == (
        DeliveryRow("Roger", "+886900001123", "2021/06/01 14:25:55", 1.0, 100, "2021/06/01 16:56:20"),
        DeliveryRow("Peggy", "+886900001122", "2021/06/01 14:26:55", 1.0, 100, "2021/06/01 16:56:20"),
        DeliveryRow("Larry", "+886900001121", "2021/06/01 14:27:55", 1.0, 103, "2021/06/01 16:56:20"),
    )
    assert page.rows[0].sent_at.isoformat() == "2021-06-01T14:25:55+08:00"
    assert page.rows[0].received_at.isoformat() == "2021-06-01T16:56:20+08:00"


def test_mms_status_example():
    body = ("1130\n"
            "Roger\t+886900001123\t2010/03/03 14:25:55\t4.0\t700\n"
            "Peggy\t+886900001122\t2010/03/03 14:26:55\t4.0\t700\n"
            "Larry\t+886900001121\t2010/03/03 14:27:55\t4.0\t303\n")
    page = parse.parse_status_page(body.encode(), Endpoint.MMS_DELIVERY_STATUS)
    assert [(row.name, row.status, row.cost, row.received_time) for row in page.rows] == [
        ("Roger", 700, 4.0, ""), ("Peggy", 700, 4.0, ""), ("Larry", 303, 4.0, "")]


def test_reply_example():
    body = ("30\n"
            "Roger\t+886900001123\t回覆簡訊內容 01\t2010/03/03 14:25:55\n"
            "Peggy\t+886900001122\t回覆簡訊內容 02\t2010/03/03 14:26:55\n"
            "Larry\t+886900001121\t回覆簡訊內容 03\t2010/03/03 14:27:55\n")
    page = parse.parse_reply_page(body.encode())
    assert page.total == 30
    assert page.rows[1] == Reply("Peggy", "+886900001122", "回覆簡訊內容 02", "2010/03/03 14:26:55")


@pytest.mark.parametrize(("body", "expected"), [("2310.00", 2310.0), ("0.00", 0.0), ("12.5\r\n", 12.5)])
def test_credit_example(body, expected):
    assert parse.parse_credit(body.encode()) == expected


@pytest.mark.parametrize(("body", "deleted", "refunded"), [("2,2.00", 2, 2.0), ("", 0, 0.0), ("0,0", 0, 0.0)])
def test_erase_examples(body, deleted, refunded):
    result = parse.parse_erase(body.encode())
    assert (result.deleted, result.refunded) == (deleted, refunded)
