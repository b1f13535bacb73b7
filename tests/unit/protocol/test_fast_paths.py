"""The bulk send's fast paths give exactly what the number-by-number paths give: one join and one match
for numbers already in wire form, the DEST field quoted without urlencode's per-character loop."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.protocol.build import chunked, parse_recipients, sms_request, wire_recipients
from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.phones import CheckedLocalNumbers, joined_local_numbers
from airflow_provider_every8d.protocol.request import form_encode


@pytest.mark.parametrize(("items", "joined"), [
    (["0900000001"], "0900000001"),
    (["0900000001", "0900000002"], "0900000001,0900000002"),
    (["0900000001,0900000002"], None),  # one item holding a comma is one bad item
    (["0900000001", "0900-000-002"], None),  # separators: the slow path strips them
    (["+886900000001"], None),
    (["09000000011"], None),
    (["0900000001", 900000002], None),
    (["09００００００01"], None),  # full-width digits are not ASCII digits
    ([""], None),
    (["0900000001", "0900000002", "090000000"], None),  # the last number a digit short
    (["0900000001", "0900000002,"], None),
    ([f"0900{n:06d}" for n in range(2000)], ",".join(f"0900{n:06d}" for n in range(2000))),
])
def test_only_plain_wire_numbers_take_the_fast_path(items: list[object], joined: str | None) -> None:
    assert joined_local_numbers(items) == joined


@pytest.mark.parametrize("recipients", [
    ["0900000001", "0900000002", "0900000001"],
    ["0900000001", "+886900000001", "0900 000 002"],
    ["+85290000001", "0900000003"],
    "0900000001,0900000002",
    ("0900000005",),
])
def test_wire_recipients_agree_with_parse_recipients(recipients: object) -> None:
    phones = parse_recipients(recipients)
    assert wire_recipients(recipients) == ([p.wire for p in phones], sum(p.international for p in phones))


@pytest.mark.parametrize(("recipients", "field"), [
    (["0900000001", "0900000001,0900000002"], "recipients[1]"),
    (["0900000001", 900000002], "recipients[1]"),
    ([], "recipients"),
])
def test_a_bad_number_in_a_bulk_list_is_named(recipients: list[object], field: str) -> None:
    with pytest.raises(Every8dValidationError) as raised:
        sms_request("hi", recipients)
    assert raised.value.field == field


def test_a_bulk_request_is_priced_and_joined_once() -> None:
    numbers = [f"0900{n:06d}" for n in range(1000)] + ["+85290000001"]
    request = sms_request("x" * 71, numbers)
    assert dict(request.fields)["DEST"] == ",".join(numbers)
    assert request.estimated_cost == 2 * 1000 + 2 * 3
    assert request.recipients == tuple(numbers)


def test_a_checked_list_is_chunked_as_checked_and_not_checked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    numbers, international = wire_recipients([f"09000000{n:02d}" for n in range(10)] * 2)
    assert type(numbers) is CheckedLocalNumbers and numbers == [f"09000000{n:02d}" for n in range(10)]
    parts = chunked(numbers, 4)
    assert [type(part) for part in parts] == [CheckedLocalNumbers] * 3
    assert [n for part in parts for n in part] == numbers
    monkeypatch.setattr(build, "joined_local_numbers", lambda items: pytest.fail("checked again"))
    request = sms_request("hi", parts[0])
    assert request.recipients == tuple(parts[0]) and dict(request.fields)["DEST"] == ",".join(parts[0])
    assert request.estimated_cost == 4 and international == 0


@pytest.mark.parametrize("pairs", [
    [("UID", "a b"), ("PWD", "p&w=d+é%"), ("DEST", "0900000001,0900000002"), ("ST", "")],
    [("MSG", "中文 text, ok~ /?#"), ("SB", "~._-,"), ("X", "a,b c")],
])
def test_form_encode_is_urlencode(pairs: list[tuple[str, str]]) -> None:
    assert form_encode(pairs) == urlencode(pairs, encoding="utf-8")


PLAIN = "3\nA\t0900000001\t2026/11/24 10:00:00\t1.00\t100\t2026/11/24 10:00:05\n" \
        "\t+886900000002\t2026/11/24 10:00:00\t 1 \t0\t\r\nB\t0900000003\t2026/11/24 10:00:00\t\t-1\t\n"
ODD_PAGES = [
    "2\nA\tB\t0900000001\t2026/11/24 10:00:00\t1\t100\t2026/11/24 10:00:05\n\t0900000002\tt\t1\t100\n",  # TAB in NAME
    "2\n\t0900000001\tt\t1\t100\t\n\n\t0900000002\tt\t1\t101\t\n",  # a blank line
    "1\nA\t0900000001\tt\t1\t100\t100\n",  # a 6th column that is a status: a TAB in a 5-column NAME
]


def test_a_plain_page_is_counted_in_one_pass() -> None:
    from airflow_provider_every8d.protocol.pages import _plain_counts, parse_status_page

    assert _plain_counts(PLAIN.partition("\n")[2]) == {100: 1, 0: 1, -1: 1}
    assert parse_status_page(PLAIN.encode(), page=1, counts_only=True).counts == {100: 1, 0: 1, -1: 1}


@pytest.mark.parametrize("page", ODD_PAGES)
def test_odd_rows_leave_the_fast_path_and_count_as_rows_do(page: str) -> None:
    from collections import Counter

    from airflow_provider_every8d.protocol.pages import _plain_counts, parse_status_page

    assert _plain_counts(page.partition("\n")[2]) is None
    rows = parse_status_page(page.encode(), page=1).rows
    assert parse_status_page(page.encode(), page=1, counts_only=True).counts == Counter(r.status for r in rows)


@pytest.mark.parametrize("page", ["2\n\t0900000001\tt\t1\t100\n\t0900000002\tt\tx\t100\n",
                                  "3\n\t0900000001\tt\t1\t100\n\t0900000002\tt\t1\t100\n"])
def test_a_bad_or_short_page_still_raises_when_only_counting(page: str) -> None:
    from airflow_provider_every8d.protocol.errors import Every8dResponseError
    from airflow_provider_every8d.protocol.pages import parse_status_page

    with pytest.raises(Every8dResponseError):
        parse_status_page(page.encode(), page=1, counts_only=True)
