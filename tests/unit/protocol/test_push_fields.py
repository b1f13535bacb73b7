"""The protocol side of the push: required fields, the idempotency key, the stored shape."""

from __future__ import annotations

import pytest

from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.push import parse_push, report_fields, report_from_fields, report_key

BASE = {"BatchID": "b-1", "RM": "+886900000123", "RT": "20250102030405", "STATUS": "100", "MR": "7", "USERID": "demo"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"BatchID": ""}, "BatchID"),
        ({"BatchID": "220478cc-8506"}, "BatchID"),
        ({"STATUS": ""}, "STATUS"),
        ({"STATUS": "delivered"}, "STATUS"),
    ],
)
def test_only_an_unattributable_report_is_refused_naming_the_field(change: dict[str, str], field: str) -> None:
    with pytest.raises(Every8dValidationError) as info:
        parse_push({**BASE, **change})
    assert info.value.field == field


def test_a_retry_has_the_same_key_and_another_event_another() -> None:
    first = report_key(parse_push(BASE))
    assert report_key(parse_push({**BASE, "SM": "", "rm": "0900000123"})) == first
    for change in ({"STATUS": "101"}, {"RT": "20250102030406"}, {"MR": "8"}, {"BatchID": "b-2"}):
        assert report_key(parse_push({**BASE, **change})) != first


def test_stored_fields_are_the_documented_ones_and_round_trip() -> None:
    report = parse_push({**BASE, "Password": "leak", "CHARGE": "2", "TYPE": "SMS"})
    fields = report_fields(report)
    assert set(fields) == {"batch_id", "mobile", "report_time", "status", "content", "record_no", "user_id",
                           "user_no", "send_time", "subject", "charge", "msg_id", "extra"}
    assert fields["extra"] == {"TYPE": "SMS"}  # an undocumented field is kept as received; a secret never
    assert (fields["mobile"], fields["status"], fields["charge"]) == ("0900000123", 100, 2.0)
    assert report_from_fields({**fields, "report_id": "x"}) == report
