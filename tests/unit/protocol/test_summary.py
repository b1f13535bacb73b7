"""DeliverySummary over several batches: a batch that shows no row keeps the whole summary incomplete."""

from __future__ import annotations

import pytest

from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.models import DeliveryRow
from airflow_provider_every8d.protocol.summary import DeliverySummary, summarize, validate_min_delivery_rate


def rows(*statuses: int) -> list[DeliveryRow]:
    return [DeliveryRow("", f"+88690000{i:04d}", "2021/06/01 14:25:55", 1.0, s) for i, s in enumerate(statuses)]


@pytest.mark.parametrize(("batches", "complete", "without_rows"), [
    ({"a": rows(100, 101)}, True, []),
    ({"a": rows(100, 101), "b": rows(303)}, True, []),
    ({"a": rows(100, 101), "b": []}, False, ["b"]),  # b: just sent, or an id the platform does not know
    ({"a": [], "b": []}, False, ["a", "b"]),
    ({"a": rows(100), "b": rows(0)}, False, []),
    ({"a": rows(100), "b": rows(42)}, False, []),  # an unknown code is not final
])
def test_complete_needs_a_row_in_every_batch_and_every_row_final(batches, complete: bool,
                                                                 without_rows: list[str]) -> None:
    summary = summarize(batches.items())
    assert (summary.complete, summary.batches_without_rows) == (complete, without_rows)
    assert ("no rows yet for batch " + ", ".join(without_rows) in summary.describe()) == bool(without_rows)


def test_pages_of_one_batch_add_up_and_the_xcom_shape_is_unchanged() -> None:
    summary = DeliverySummary()
    summary.add_all(rows(100, 100), batch_id="a").add_all(rows(101), batch_id="a").add_all([], batch_id="a")
    assert summary.rows_per_batch == {"a": 3} and summary.complete
    assert summary.to_dict() == {"total": 3, "delivered": 2, "failed": 1, "cancelled": 0,
                                 "by_status": {"100": 2, "101": 1}}


def test_new_unknown_codes_are_reported_once() -> None:
    seen: set[int] = set()
    assert summarize([("a", rows(42, 100, 43))]).new_unknown(seen) == [42, 43]
    assert summarize([("a", rows(42, 44))]).new_unknown(seen) == [44]
    assert seen == {42, 43, 44}


@pytest.mark.parametrize(("value", "result"), [(None, None), (0, 0.0), (1, 1.0), (0.95, 0.95)])
def test_min_delivery_rate_accepts_a_share(value: object, result: float | None) -> None:
    assert validate_min_delivery_rate(value) == result


@pytest.mark.parametrize(("value", "problem"), [
    ("0.9", "expected a number from 0 to 1, got str '0.9'"),
    (True, "expected a number from 0 to 1, got bool"),
    (95, "95 must be between 0 and 1"),
    (-0.1, "-0.1 must be between 0 and 1"),
    (float("nan"), "nan must be between 0 and 1"),
])
def test_min_delivery_rate_refuses_anything_else(value: object, problem: str) -> None:
    with pytest.raises(Every8dValidationError) as caught:
        validate_min_delivery_rate(value, "wait.min_delivery_rate")
    assert caught.value.field == "wait.min_delivery_rate" and problem in caught.value.problem
