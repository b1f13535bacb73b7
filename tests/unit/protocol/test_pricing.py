"""The spec's price table and status table, edge by edge."""

from __future__ import annotations

import pytest

from airflow_provider_every8d.protocol.models import DeliveryRow
from airflow_provider_every8d.protocol.pricing import estimate_sms_cost, mms_points, sms_points
from airflow_provider_every8d.protocol.status import Outcome, classify
from airflow_provider_every8d.protocol.summary import DeliverySummary


@pytest.mark.parametrize(("length", "points"), [
    (1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4), (268, 4), (269, 5), (333, 5),
    (334, 6), (403, 6), (404, 7), (666, 10), (667, 11),
])
def test_sms_points_by_length(length, points):
    assert sms_points("字" * length) == points
    assert sms_points("字" * length, international=True) == 3 * points


def test_estimate_counts_each_recipient_and_triples_international():
    assert estimate_sms_cost("hi", ["0900000001", "+886900000002", "+81312345678"]) == 1 + 1 + 3


@pytest.mark.parametrize(("size", "points"), [(1, 3), (50 * 1024, 3), (50 * 1024 + 1, 5), (300 * 1024, 5)])
def test_mms_points(size, points):
    assert mms_points(size) == points


@pytest.mark.parametrize(("code", "mms", "outcome"), [
    (0, False, Outcome.PENDING), (300, False, Outcome.PENDING), (100, False, Outcome.DELIVERED),
    *[(code, False, Outcome.FAILED) for code in range(101, 108)],
    (303, False, Outcome.CANCELLED), (500, False, Outcome.FAILED), (-1, False, Outcome.FAILED),
    (-6, False, Outcome.FAILED), (-314, False, Outcome.FAILED), (301, False, Outcome.FAILED),
    (888, False, Outcome.FAILED), (700, True, Outcome.DELIVERED), (300, True, Outcome.PENDING),
    (303, True, Outcome.CANCELLED), (100, True, Outcome.DELIVERED), (103, True, Outcome.FAILED),
    (-3, True, Outcome.FAILED), (500, True, Outcome.FAILED), (302, False, Outcome.UNKNOWN),
])
def test_status_table(code, mms, outcome):
    assert classify(code, mms) is outcome


def _row(status: int) -> DeliveryRow:
    return DeliveryRow("", "+886900000001", "2021/06/01 14:25:55", 1.0, status, "")


def test_summary_is_complete_only_when_every_row_is_terminal():
    summary = DeliverySummary().add_all(_row(code) for code in (100, 100, 103, 303))
    assert summary.complete
    assert summary.to_dict() == {"total": 4, "delivered": 2, "failed": 1, "cancelled": 1,
                                 "by_status": {"100": 2, "103": 1, "303": 1}}
    assert not DeliverySummary().add_all([_row(100), _row(0)]).complete
    assert not DeliverySummary().complete  # no rows yet: not visible, keep waiting
    assert not DeliverySummary().add_all([_row(100), _row(889)]).complete  # unknown code


def test_shortfall():
    summary = DeliverySummary().add_all([_row(100), _row(100), _row(100), _row(101)])
    assert summary.shortfall() is None
    assert "1 of 4" in summary.shortfall(fail_on_undelivered=True)
    assert summary.shortfall(min_delivery_rate=0.75) is None
    assert "below the minimum" in summary.shortfall(min_delivery_rate=0.8)


@pytest.mark.parametrize(("recipients", "message", "cost"), [
    ("0900000001", "hi", 1), ("0900000001,0900000002", "字" * 71, 4), ("0900000001,+81312345678", "hi", 4),
    ("+81312345678,+14155550100", "字" * 135, 18),
])
def test_a_built_send_carries_its_estimated_cost(recipients, message, cost):
    from airflow_provider_every8d.protocol import build

    assert build.sms_request(message, recipients).estimated_cost == cost
