"""A sensor's count of a status page (``counts_only``, the one-pass path) equals the count of the rows the
row loop reads, on the pages the platform writes and on the odd ones that leave the one-pass path."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError
from airflow_provider_every8d.protocol.pages import parse_status_page

TIME = "2026/11/24 10:00:05"


def _outcome(body: bytes, counts_only: bool) -> tuple[object, ...]:
    try:
        page = parse_status_page(body, page=1, counts_only=counts_only)
    except (Every8dResponseError, Every8dApiError) as error:
        return (type(error).__name__,)
    counts = page.counts if counts_only else Counter(row.status for row in page.rows)
    return "ok", page.total, dict(counts or {})


@pytest.mark.parametrize(("body", "counts"), [
    # a last column that int() and str.isdigit() read as a number makes the row a 5-column one with a TAB
    # in NAME, whatever white space or digits it is written with: its STATUS is that column
    (f"1\r\nA\t0900000001\t{TIME}\t100\t101\t100\x0c".encode(), {100: 1}),
    ("1\r\nA\t0900000001\t2026\t100\t101\t١٠٠".encode(), {100: 1}),
    (f"2\r\n\t0900000001\t{TIME}\t1\t100\t{TIME}\r\n\t0900000002\t{TIME}\t1\t101\t5\r".encode(), None),
    # the emulator's and the platform's pages: every row 6 columns, CRLF, the last RECEIVED_TIME empty
    (f"2\r\n\t0900000001\t{TIME}\t1.0\t100\t{TIME}\r\n\t0900000002\t{TIME}\t1.0\t0\t".encode(), {100: 1, 0: 1}),
    (f"2\r\n\t0900000001\t{TIME}\t1.0\t0\t\r\n\t0900000002\t{TIME}\t1.0\t0\t".encode(), {0: 2}),
    (f"2\n\t0900000001\t{TIME}\t1.0\t100\t\r\n\t0900000002\t{TIME}\t1.0\t101\t\r".encode(), {100: 1, 101: 1}),
])
def test_counting_a_page_counts_what_its_rows_say(body: bytes, counts: dict[int, int] | None) -> None:
    rows = _outcome(body, counts_only=False)
    assert _outcome(body, counts_only=True) == rows
    if counts is not None:
        assert rows == ("ok", sum(counts.values()), counts)


PIECES = ["", "100", "101", "-1", " 0 ", "\x0c", "\r", "1.0", TIME, "1_0", "²", "١٠٠", "a", "\t", "\n", "\r\n",
          "5", "x y", "-", "0900000001", "1234567", "12345678"]
rows = st.lists(st.sampled_from(PIECES), min_size=4, max_size=7).map("\t".join)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page_rows=st.lists(rows, min_size=1, max_size=5), end=st.sampled_from(["\r\n", "\n"]))
def test_counting_agrees_with_the_rows_on_any_page(page_rows: list[str], end: str) -> None:
    body = (f"{len(page_rows)}\r\n" + end.join(page_rows)).encode()
    assert _outcome(body, counts_only=True) == _outcome(body, counts_only=False)
