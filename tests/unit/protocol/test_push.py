"""The push (2.1), issue 12 case 1: a refused report is lost for good after 10 tries, so only an
unattributable one (BatchID or STATUS missing or malformed) is refused; every other field is kept."""

from __future__ import annotations

import pytest

from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.models import push_time
from airflow_provider_every8d.protocol.push import MAX_VALUE_BYTES, parse_push

BASE = {"BatchID": "220478cc-8506-49b2-93b7-2505f651c12e", "STATUS": "100", "RM": "+886900000123"}


@pytest.mark.parametrize(("field", "value", "attribute", "kept"), [
    ("SUBJECT", "季度通知" * 100, "subject", "季度通知" * 100),  # the send side puts no cap on it
    ("MSGID", "000000000000000001234567", "msg_id", "000000000000000001234567"),  # 1.4's 24-digit echo
    ("ST", "2021/6/1 下午 02:25:55", "send_time", "2021/6/1 下午 02:25:55"),  # a zh-TW .NET server
    ("RT", "2021/6/1 上午 09:05:00", "report_time", "2021/6/1 上午 09:05:00"),
    ("SM", "  好 的  ", "content", "  好 的  "),  # a reply as typed, spaces and all
    ("SM", "長" * 3000, "content", "長" * (MAX_VALUE_BYTES // 3)),  # cut at 4 KB, never inside a character
    ("RM", "", "mobile", ""),
    ("USERID", "a" * 100, "user_id", "a" * 100),
])
def test_odd_and_long_fields_are_kept(field: str, value: str, attribute: str, kept: str) -> None:
    assert getattr(parse_push({**BASE, field: value}), attribute) == kept


def test_a_short_batch_id_and_an_unparsable_charge_are_kept() -> None:
    report = parse_push({**BASE, "BatchID": "2021060100012", "CHARGE": "1,0", "NAME": "王", "TYPE": "MMS",
                         "pwd": "x", "Token": "y"})
    assert (report.batch_id, report.charge) == ("2021060100012", None)
    assert report.extra == {"CHARGE": "1,0", "NAME": "王", "TYPE": "MMS"}  # secrets never kept


@pytest.mark.parametrize(("change", "field"), [
    ({"BatchID": None}, "BatchID"), ({"BatchID": "../../etc"}, "BatchID"), ({"BatchID": "220478cc-85"}, "BatchID"),
    ({"STATUS": None}, "STATUS"), ({"STATUS": "100.0"}, "STATUS"), ({"STATUS": "delivered"}, "STATUS"),
])
def test_only_batch_id_and_status_refuse_a_report(change: dict[str, str | None], field: str) -> None:
    query = {key: value for key, value in {**BASE, **change}.items() if value is not None}
    with pytest.raises(Every8dValidationError) as refused:
        parse_push(query)
    assert refused.value.field == field


@pytest.mark.parametrize(("text", "iso"), [
    ("20210601142555", "2021-06-01T14:25:55+08:00"),
    ("2021/6/1 下午 02:25:55", "2021-06-01T14:25:55+08:00"),
    ("2021/6/1 上午 12:05:00", "2021-06-01T00:05:00+08:00"),
    ("2021/6/1 下午 12:05:00", "2021-06-01T12:05:00+08:00"),
    ("2021/06/01 14:25:55", "2021-06-01T14:25:55+08:00"),
    ("2021-06-01 02:25 PM", "2021-06-01T14:25:00+08:00"),
    ("2021/13/1 下午 02:25:55", None),
    ("soon", None),
])
def test_push_times_in_every_form_seen(text: str, iso: str | None) -> None:
    moment = push_time(text)
    assert (moment.isoformat() if moment else None) == iso
