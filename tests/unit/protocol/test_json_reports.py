"""API 2.2's JSON reports (RESPFORMAT=1) read into the same rows as TAB, with ``mr`` and ``real_cost``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_every8d.protocol import parse
from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError
from airflow_provider_every8d.protocol.models import DeliveryRow, Reply

BID = "220478cc-8506-49b2-93b7-2505f651c12e"


def _status(rows: list[dict[str, Any]], total: int | None = None) -> bytes:
    return json.dumps({"SMS_COUNT": len(rows) if total is None else total, "BID": BID, "DATA": rows},
                      ensure_ascii=False).encode()


ROW = {"MR": "M0001", "NAME": "Roger", "MOBILE": "+886900000001", "SEND_TIME": "2025-11-14 10:00:00",
       "COST": 1, "STATUS": 100, "REAL_COST": 1.0, "RECEIVED_TIME": "2025-11-14 10:00:05"}


def test_a_json_row_is_a_delivery_row_with_mr_and_real_cost() -> None:
    page = parse.parse_status_page(_status([ROW]), page=1)
    assert page.total == 1
    assert page.rows == (DeliveryRow("Roger", "+886900000001", "2025-11-14 10:00:00", 1.0, 100,
                                     "2025-11-14 10:00:05", "M0001", 1.0),)
    assert page.rows[0].received_at is not None and page.rows[0].received_at.hour == 10


def test_tab_rows_have_no_mr_and_no_real_cost() -> None:
    (row,) = parse.parse_status_page(b"1\nRoger\t+886900000001\t2021/06/01 14:25:55\t1\t100\t", page=1).rows
    assert (row.mr, row.real_cost) == ("", None)


@pytest.mark.parametrize(("changes", "expected"), [
    ({"STATUS": "101", "COST": "2.0"}, (101, 2.0)),
    ({"status": -3, "cost": None}, (-3, 0.0)),
    ({"REAL_COST": ""}, (100, 1.0)),
])
def test_numbers_as_strings_or_missing(changes: dict[str, Any], expected: tuple[int, float]) -> None:
    row = {key: value for key, value in ROW.items() if key.lower() not in {k.lower() for k in changes}}
    (parsed,) = parse.parse_status_page(_status([{**row, **changes}]), page=1).rows
    assert (parsed.status, parsed.cost) == expected


def test_no_results_is_sms_count_zero_with_the_bid() -> None:
    page = parse.parse_status_page(json.dumps({"SMS_COUNT": 0, "BID": BID}).encode(), page=1)
    assert (page.total, page.rows) == (0, ())


def test_counts_only_counts_the_json_rows() -> None:
    body = _status([ROW, {**ROW, "MOBILE": "+886900000002", "STATUS": 0}, {**ROW, "MOBILE": "+886900000003"}])
    page = parse.parse_status_page(body, page=1, counts_only=True)
    assert (page.counts, page.size, page.rows) == ({100: 2, 0: 1}, 3, ())


@pytest.mark.parametrize(("row", "problem"), [
    ({**ROW, "STATUS": "delivered"}, "status row 1 has no whole-number STATUS"),
    ({**ROW, "STATUS": None}, "no whole-number STATUS"),
    ({**ROW, "MOBILE": ""}, "status row 1 has no MOBILE"),
    ({**ROW, "COST": "one"}, "non-numeric COST"),
    ({**ROW, "REAL_COST": "NaN"}, "non-numeric REAL_COST"),
])
def test_a_bad_row_raises_without_quoting_it(row: dict[str, Any], problem: str) -> None:
    with pytest.raises(Every8dResponseError) as caught:
        parse.parse_status_page(_status([row]), page=1)
    assert problem in str(caught.value) and "Roger" not in str(caught.value)


def test_a_page_with_fewer_rows_than_sms_count_implies_was_cut_short() -> None:
    with pytest.raises(Every8dResponseError, match="holds 1 rows where SMS_COUNT 3 implies 3"):
        parse.parse_status_page(_status([ROW], total=3), page=1)


def test_the_error_object_is_a_refusal() -> None:
    body = json.dumps({"Result": False, "Status": "-1", "Msg": "參數錯誤"}, ensure_ascii=False).encode()
    with pytest.raises(Every8dApiError) as caught:
        parse.parse_status_page(body, page=1)
    assert caught.value.code == -1


@pytest.mark.parametrize("body", [b"{not json", b'{"SMS_COUNT": -1}', b'{"SMS_COUNT": 1, "DATA": {"a": 1}}',
                                  b'{"SMS_COUNT": "x"}', b'{"count": 1}', b'{"BID": "x", "DATA": []}'])
def test_malformed_json_is_a_response_error(body: bytes) -> None:
    with pytest.raises(Every8dResponseError):
        parse.parse_status_page(body, page=1)


def test_mms_status_reads_json_too() -> None:
    page = parse.parse_status_page(_status([{**ROW, "STATUS": 700}]), Endpoint.MMS_DELIVERY_STATUS, page=1)
    assert page.rows[0].status == 700


def test_json_replies() -> None:
    body = json.dumps({"SMS_COUNT": 2, "BID": BID, "DATA": [
        {"NAME": "", "MOBILE": "+886900000001", "CONTENT": "Y\t好", "RECEIVED_TIME": "2025-11-14 10:01:00"},
        {"NAME": "Peggy", "MOBILE": "+886900000002", "CONTENT": "", "RECEIVED_TIME": "2025-11-14 10:02:00"},
    ]}, ensure_ascii=False).encode()
    page = parse.parse_reply_page(body, page=1)
    assert page.total == 2
    assert page.rows == (Reply("", "+886900000001", "Y\t好", "2025-11-14 10:01:00"),
                         Reply("Peggy", "+886900000002", "", "2025-11-14 10:02:00"))


def test_json_replies_may_come_1000_to_a_page() -> None:
    rows = [{"NAME": "", "MOBILE": f"+8869000{i:05d}", "CONTENT": "Y", "RECEIVED_TIME": ""} for i in range(40)]
    page = parse.parse_reply_page(json.dumps({"SMS_COUNT": 40, "DATA": rows}).encode(), page=1)
    assert page.size == 40
