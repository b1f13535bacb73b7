"""Status 2.2/2.3, replies 2.4, credit 3.1, erase 3.2/3.3, delivery over the emulator clock."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from tests.helpers import numbers
from tests.integration.emulator.emulator_wire import call, send, status_rows

TIME = re.compile(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}")
PNG = base64.b64encode(b"\x89PNG" + b"\0" * 10).decode()


@pytest.fixture
def emu() -> Iterator[Every8dEmulator]:
    with Every8dEmulator(delivery_seconds=2.0) as emulator:
        yield emulator


def test_status_row_shape_before_and_after_delivery(emu: Every8dEmulator) -> None:
    batch_id = send(emu, "0900000678")[4]
    total, row = status_rows(emu, batch_id)
    assert total == ["1"]
    name, mobile, sent_at, cost, status, received = row
    assert (name, mobile, cost, status, received) == ("", "+886900000678", "1.0", "0", "")
    assert TIME.fullmatch(sent_at)
    emu.advance(2.0)
    row = status_rows(emu, batch_id)[1]
    assert row[4] == "100"
    assert TIME.fullmatch(row[5])


def test_times_are_taiwan_time(emu: Every8dEmulator) -> None:
    batch_id = send(emu, "0900000678")[4]
    taipei = timezone(timedelta(hours=8))
    shown = datetime.strptime(status_rows(emu, batch_id)[1][2], "%Y/%m/%d %H:%M:%S").replace(tzinfo=taipei)
    assert abs((shown - datetime.now(timezone.utc)).total_seconds()) < 5


def test_status_body_uses_crlf_and_rows_start_with_tab_when_name_is_empty(emu: Every8dEmulator) -> None:
    batch_id = send(emu, "0900000678,0900000444")[4]
    body = call(emu, "getDeliveryStatus", {"BID": batch_id, "PNO": "1"})[1]
    lines = body.split("\r\n")
    assert len(lines) == 3 and all(line.startswith("\t+886") for line in lines[1:])
    assert "\n" not in body.replace("\r\n", "")


@pytest.mark.parametrize(("columns", "width"), [(5, 5), (6, 6)])
def test_status_column_option(columns: int, width: int) -> None:
    with Every8dEmulator(status_columns=columns, delivery_seconds=0) as emu:
        batch_id = send(emu, "0900000678")[4]
        assert len(status_rows(emu, batch_id)[1]) == width


def test_status_paging_2500_rows_over_3_pages(emu: Every8dEmulator) -> None:
    emu.set_credit("demo", 5000)
    batch_id = send(emu, ",".join(numbers(2500)))[4]
    pages = {page: status_rows(emu, batch_id, page) for page in ("", 1, 2, 3, 4)}
    assert all(rows[0] == ["2500"] for rows in pages.values())
    assert [len(pages[p]) - 1 for p in (1, 2, 3, 4)] == [1000, 1000, 500, 0]
    assert pages[""] == pages[1]
    mobiles = [row[1] for p in (1, 2, 3) for row in pages[p][1:]]
    assert mobiles == ["+886" + number[1:] for number in numbers(2500)]


@pytest.mark.parametrize("page", ["0", "-1", "x"])
def test_bad_page_number_is_minus_1(emu: Every8dEmulator, page: str) -> None:
    batch_id = send(emu, "0900000678")[4]
    assert call(emu, "getDeliveryStatus", {"BID": batch_id, "PNO": page})[1].startswith("-1,")


@pytest.mark.parametrize(
    ("fields", "answer"),
    [({"BID": "no-such-batch"}, "0"), ({"BID": ""}, "-1"), ({"PWD": "wrong", "BID": "x"}, "-2")],
)
def test_status_errors_and_unknown_batch(emu: Every8dEmulator, fields: dict[str, str], answer: str) -> None:
    assert call(emu, "getDeliveryStatus", fields)[1].split(",")[0] == answer


@pytest.mark.parametrize(
    ("mobile", "final"),
    [
        ("0900000678", "100"),
        ("0900000101", "101"),
        ("0900000104", "104"),
        ("0900000107", "107"),
        ("0900000108", "100"),
        ("0900000999", "0"),
        ("0900000998", "100"),
    ],
)
def test_outcome_by_last_three_digits(emu: Every8dEmulator, mobile: str, final: str) -> None:
    batch_id = send(emu, mobile)[4]
    emu.advance(60)
    row = status_rows(emu, batch_id)[1]
    assert row[4] == final
    assert (row[5] != "") == (final != "0")


def test_delivery_progresses_with_the_clock_and_jitter_spreads_a_batch() -> None:
    with Every8dEmulator(delivery_seconds=10, jitter=True) as emu:
        batch_id = send(emu, ",".join(numbers(50)))[4]
        seen = []
        for _ in range(4):
            seen.append(sum(row[4] == "100" for row in status_rows(emu, batch_id)[1:]))
            emu.advance(5)
        assert seen[0] == 0 and seen[-1] == 50
        assert 0 < seen[2] < 50


def test_delivery_history_records_each_step(emu: Every8dEmulator) -> None:
    batch_id = send(emu, "0900000103")[4]
    emu.advance(3)
    (message,) = emu.batch(batch_id)
    assert [status for _, status in message.history] == [0, 103]
    assert message.received_time == message.send_time + timedelta(seconds=2)


def test_replies_paging_25_over_3_pages(emu: Every8dEmulator) -> None:
    batch_id = send(emu, "0900000678")[4]
    for n in range(25):
        emu.inject_reply(batch_id, "+886900000678", f"回覆 {n:02d}", name="Roger" if n == 0 else "")
    pages = [call(emu, "getReplyMessage", {"BID": batch_id, "PNO": p})[1].split("\r\n") for p in (1, 2, 3, 4)]
    assert [p[0] for p in pages] == ["25"] * 4
    assert [len(p) - 1 for p in pages] == [10, 10, 5, 0]
    name, mobile, content, at = pages[0][1].split("\t")
    assert (name, mobile, content) == ("Roger", "+886900000678", "回覆 00")
    assert TIME.fullmatch(at)
    assert pages[2][-1].split("\t")[2] == "回覆 24"


def test_number_ending_998_replies_y_one_period_after_delivery(emu: Every8dEmulator) -> None:
    batch_id = send(emu, "0900000998")[4]
    emu.advance(2)
    assert call(emu, "getReplyMessage", {"BID": batch_id})[1] == "0"
    emu.advance(2)
    lines = call(emu, "getReplyMessage", {"BID": batch_id})[1].split("\r\n")
    assert lines[0] == "1" and lines[1].split("\t")[1:3] == ["+886900000998", "Y"]


def test_unknown_batch_has_no_replies(emu: Every8dEmulator) -> None:
    assert call(emu, "getReplyMessage", {"BID": "nope"})[1] == "0"


def test_credit_answer(emu: Every8dEmulator) -> None:
    emu.set_credit("demo", 2310)
    assert call(emu, "getCredit") == (200, "2310.00")
    assert call(emu, "getCredit", {"PWD": "bad"})[1] == "-2,帳號或密碼錯誤"


def test_booking_then_erase_refunds_and_cancels(emu: Every8dEmulator) -> None:
    later = (emu.now() + timedelta(minutes=10)).strftime("%Y%m%d%H%M%S")
    batch_id = send(emu, "0900000678,0900000444", "x" * 80, ST=later)[4]
    assert emu.credit() == 996.0
    assert [row[4] for row in status_rows(emu, batch_id)[1:]] == ["300", "300"]
    assert call(emu, "eraseBooking", {"BID": batch_id}) == (200, "2,4.00")
    assert emu.credit() == 1000.0
    assert [row[4] for row in status_rows(emu, batch_id)[1:]] == ["303", "303"]
    assert call(emu, "eraseBooking", {"BID": batch_id}) == (200, "")


def test_booked_messages_leave_at_their_time_and_cannot_be_erased_after(emu: Every8dEmulator) -> None:
    later = (emu.now() + timedelta(seconds=30)).strftime("%Y%m%d%H%M%S")
    batch_id = send(emu, "0900000678", ST=later)[4]
    emu.advance(31)
    assert status_rows(emu, batch_id)[1][4] == "0"
    emu.advance(2)
    assert status_rows(emu, batch_id)[1][4] == "100"
    assert call(emu, "eraseBooking", {"BID": batch_id}) == (200, "")


@pytest.mark.parametrize("endpoint", ["eraseBooking", "MMS/eraseBooking"])
def test_erase_unknown_batch_is_empty(emu: Every8dEmulator, endpoint: str) -> None:
    assert call(emu, endpoint, {"BID": "nope"}) == (200, "")


def test_mms_status_and_erase_only_know_mms_batches(emu: Every8dEmulator) -> None:
    later = (emu.now() + timedelta(minutes=10)).strftime("%Y%m%d%H%M%S")
    mms = {"SB": "s", "MSG": "m", "ATTACHMENT": PNG, "TYPE": "png"}
    now_id = send(emu, "0900000678", endpoint="MMS/sendMMS", **mms)[4]
    booked_id = send(emu, "0900000678", endpoint="MMS/sendMMS", ST=later, **mms)[4]
    sms_id = send(emu, "0900000678")[4]
    assert status_rows(emu, now_id, mms=True)[1][3:] == ["3.0", "700"]
    assert status_rows(emu, booked_id, mms=True)[1][4] == "300"
    assert status_rows(emu, sms_id, mms=True) == [["0"]]
    assert status_rows(emu, now_id) == [["0"]]
    assert call(emu, "eraseBooking", {"BID": booked_id}) == (200, "")
    assert call(emu, "MMS/eraseBooking", {"BID": booked_id}) == (200, "1,3.00")
    assert status_rows(emu, booked_id, mms=True)[1][4] == "303"


def test_other_accounts_batches_are_invisible() -> None:
    with Every8dEmulator(accounts={"demo": "demo-password", "other": "pw"}) as emu:
        batch_id = send(emu, "0900000678")[4]
        assert call(emu, "getDeliveryStatus", {"UID": "other", "PWD": "pw", "BID": batch_id})[1] == "0"
