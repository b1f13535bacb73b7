"""1.3's answer on API 2.2: the 7th field, FAIL_BATCHID, beside FAIL_MOBILE (2.1 answers still read)."""

from __future__ import annotations

import pytest

from airflow_provider_every8d.protocol import parse
from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dResponseError

BID = "220478cc-8506-49b2-93b7-2505f651c12e"
EARLIER = ("11111111-2222-3333-4444-555555555555", "AB12")
FILTERED = Endpoint.SEND_SMS_FILTERED


@pytest.mark.parametrize(("body", "filtered", "batches"), [
    (f"98.00,1,1,0,{BID},0900000002/0900000003,{EARLIER[0]}/{EARLIER[1]}", ("0900000002", "0900000003"), EARLIER),
    (f"98.00,1,1,0,{BID},0900000002,{EARLIER[0]}", ("0900000002",), EARLIER[:1]),
    (f"98.00,1,1,0,{BID},,", (), ()),
    (f"98.00,1,1,0,{BID},0900000002", ("0900000002",), ()),  # 2.1: six fields
    (f"-98,0900000001/0900000002,{EARLIER[0]}/{EARLIER[1]}", ("0900000001", "0900000002"), EARLIER),
    ("-98,0900000001/0900000002", ("0900000001", "0900000002"), ()),
])
def test_fail_batch_id_is_read_beside_fail_mobile(body: str, filtered: tuple, batches: tuple) -> None:
    result = parse.parse_send(body.encode(), FILTERED)
    assert (result.filtered, result.fail_batch_ids) == (filtered, batches)


def test_duplicates_pair_each_number_with_its_earlier_batch() -> None:
    result = parse.parse_send(f"98.00,1,1,0,{BID},0900000002/0900000003,{EARLIER[0]}".encode(), FILTERED)
    assert result.duplicates == {"0900000002": EARLIER[0], "0900000003": ""}


@pytest.mark.parametrize("batches", ["220478cc-8506", "ab cd", "x" * 65])
def test_a_cut_fail_batch_id_is_a_response_error(batches: str) -> None:
    with pytest.raises(Every8dResponseError, match="FAIL_BATCHID entry 1"):
        parse.parse_send(f"98.00,1,1,0,{BID},0900000002,{batches}".encode(), FILTERED)
