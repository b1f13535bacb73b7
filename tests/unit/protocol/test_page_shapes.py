"""Each shape of a 2.2 / 2.3 status page: which ones the sensor's one-pass count takes
(``pages._plain_counts``), and that the count is the row loop's on every shape, in or out of it."""

from __future__ import annotations

from collections import Counter

import pytest

from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dResponseError
from airflow_provider_every8d.protocol.pages import _plain_counts, parse_status_page

T = "2026/11/24 10:00:00"

ONE_PASS = {  # rows as the platform writes them: counted without a list of columns per row
    "6 columns, CRLF": f"3\r\nA\t0900000001\t{T}\t1.0\t100\t{T}\r\n\t0900000002\t{T}\t1\t101\t{T}\r\n"
                       f"\t0900000003\t{T}\t1\t0\t",
    "6 columns, LF, every RECEIVED_TIME empty": f"2\n\t0900000001\t{T}\t1\t0\t\n\t0900000002\t{T}\t1\t0\t",
    "5 columns, LF (old accounts)": f"3\nA\t0900000001\t{T}\t1\t100\n\t0900000002\t{T}\t2.0\t101\n"
                                    f"B\t0900000003\t{T}\t1\t100\n",
    "5 columns, CRLF": f"2\r\n\t0900000001\t{T}\t1\t100\r\n\t0900000002\t{T}\t\t-1\r\n",
    "5 columns, MMS (2.3)": f"2\r\n\t0900000001\t{T}\t3\t700\r\n\t0900000002\t{T}\t3\t300",
    "5 columns, one row": f"1\n\t0900000001\t{T}\t1\t100",
    "5 columns, international and split": f"3\n\t+85290000001\t{T}\t3\t100\n\t0900000002\t{T}\t1\t100",
}
ROW_LOOP = {  # anything else: read row by row, with the row loop's checks
    "5 columns, TAB in a NAME": f"2\nA\tB\t0900000001\t{T}\t1\t100\n\t0900000002\t{T}\t1\t101\n",
    "5 columns, a blank line": f"2\n\t0900000001\t{T}\t1\t100\n\n\t0900000002\t{T}\t1\t101\n",
    "5 columns, a blank line of TABs": f"2\n\t0900000001\t{T}\t1\t100\n\t\t\t\t\n\t0900000002\t{T}\t1\t101\n",
    "5 and 6 columns mixed": f"2\n\t0900000001\t{T}\t1\t100\n\t0900000002\t{T}\t1\t101\t{T}\n",
    "6 and 4 columns (same TABs as two of 5)": f"2\n\t0900000001\t{T}\t1\t100\t{T}\n\t0900000002\t1\t101\n",
    "6 columns, last one a status": f"1\nA\t0900000001\t{T}\t1\t100\t100\n",
}


def _row_loop_counts(body: bytes) -> Counter[int]:
    return Counter(row.status for row in parse_status_page(body, page=1).rows)


@pytest.mark.parametrize("page", list(ONE_PASS.values()), ids=list(ONE_PASS))
def test_platform_pages_are_counted_in_one_pass(page: str) -> None:
    counts = _plain_counts(page.partition("\n")[2])
    assert counts is not None
    assert counts == _row_loop_counts(page.encode())


@pytest.mark.parametrize("page", list(ROW_LOOP.values()), ids=list(ROW_LOOP))
def test_other_pages_are_read_row_by_row(page: str) -> None:
    assert _plain_counts(page.partition("\n")[2]) is None


def _outcome(body: bytes, endpoint: Endpoint, counts_only: bool) -> tuple[object, ...]:
    try:
        page = parse_status_page(body, endpoint, page=1, counts_only=counts_only)
    except Every8dResponseError as error:
        return "raised", str(error)
    return "counted", page.counts if counts_only else Counter(row.status for row in page.rows)


@pytest.mark.parametrize("page", [*ONE_PASS.values(), *ROW_LOOP.values()], ids=[*ONE_PASS, *ROW_LOOP])
@pytest.mark.parametrize("endpoint", [Endpoint.DELIVERY_STATUS, Endpoint.MMS_DELIVERY_STATUS])
def test_the_sensors_count_is_the_row_loops(page: str, endpoint: Endpoint) -> None:
    body = page.encode()
    assert _outcome(body, endpoint, counts_only=True) == _outcome(body, endpoint, counts_only=False)


@pytest.mark.parametrize(("page", "problem"), [
    (f"2\n\t0900000001\t{T}\t1\t100\n\t0900000002\t{T}\tx\t100\n", "non-numeric COST or STATUS"),
    (f"2\n\t0900000001\t{T}\t1\t100\n\t0900000002\t{T}\t1\tok\n", "non-numeric COST or STATUS"),
    (f"3\n\t0900000001\t{T}\t1\t100\n\t0900000002\t{T}\t1\t100\n", "cut short"),
    (f"2\n\t0900000001\t{T}\t1\t100\n\t0900000002\t1\t100\n", "has 4 columns"),
])
def test_a_bad_5_column_page_raises_when_only_counting(page: str, problem: str) -> None:
    with pytest.raises(Every8dResponseError, match=problem):
        parse_status_page(page.encode(), page=1, counts_only=True)
