"""DeliverySummary.describe() and shortfall(): the log lines speak words, with plurals right."""

from __future__ import annotations

from collections import Counter

import pytest

from airflow_provider_every8d.protocol.summary import DeliverySummary


def summary(**by_status: int) -> DeliverySummary:
    counts = Counter({int(code.lstrip("_").replace("m", "-")): n for code, n in by_status.items()})
    return DeliverySummary(total=sum(counts.values()), by_status=counts)


@pytest.mark.parametrize(("counts", "line"), [
    ({"_100": 2, "_103": 1}, "3 messages: 2 delivered, 1 failed (103 number unassigned or inactive)"),
    ({"_100": 1}, "1 message: 1 delivered"),
    ({"_0": 1}, "1 message: 0 delivered, 1 pending (0 at the carrier, being delivered)"),
    ({"_101": 2, "_103": 1},
     "3 messages: 0 delivered, 3 failed (2 × 101 handset off, no signal or storage full; "
     "1 × 103 number unassigned or inactive)"),
    ({"_100": 1, "_303": 1, "_42": 1},
     "3 messages: 1 delivered, 1 cancelled (303 booking cancelled), 1 pending (42 unknown code)"),
    ({"m2": 1}, "1 message: 0 delivered, 1 failed (-2 wrong account or password)"),
])
def test_describe_in_words(counts: dict[str, int], line: str) -> None:
    assert summary(**counts).describe() == line


def test_a_batch_without_rows_is_named() -> None:
    waiting = DeliverySummary().add_all([], batch_id="B1")
    assert waiting.describe() == "0 messages: 0 delivered; no rows yet for batch B1"


@pytest.mark.parametrize(("counts", "start"), [
    ({"_100": 2, "_103": 1}, "1 of 3 messages was not delivered (3 messages: 2 delivered, 1 failed (103 "),
    ({"_100": 1, "_103": 2}, "2 of 3 messages were not delivered ("),
])
def test_shortfall_agrees_in_number(counts: dict[str, int], start: str) -> None:
    reason = summary(**counts).shortfall(fail_on_undelivered=True)
    assert reason is not None and reason.startswith(start), reason
