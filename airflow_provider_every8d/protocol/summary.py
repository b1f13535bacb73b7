"""The delivery summary a sensor, trigger or operator reports: counts per outcome and per status code.

Shared by the poke path (sync) and the trigger (async) so both decide "done" the same way.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_every8d.protocol.codes import describe_status
from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.reports import DeliveryRow
from airflow_provider_every8d.protocol.status import Outcome, classify


@dataclass
class DeliverySummary:
    """Accumulates status rows (of one or several batches) into counts.

    ``complete`` is True when at least one row was seen, every row is terminal and every batch given to
    :meth:`add_all` by id showed at least one row: a batch with no rows yet (just sent and not visible, or
    an id the platform does not know, which it answers with ``0``) keeps the whole summary incomplete,
    however final the other batches are. Unknown codes are counted in ``by_status`` and keep it
    incomplete too. ``rows_per_batch`` is not part of :meth:`to_dict` (the XCom shape is fixed).
    """

    mms: bool = False
    total: int = 0
    by_outcome: Counter[Outcome] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    rows_per_batch: dict[str, int] = field(default_factory=dict)

    def add(self, row: DeliveryRow) -> None:
        self.total += 1
        self.by_status[row.status] += 1

    def add_all(self, rows: Iterable[DeliveryRow], batch_id: str | None = None) -> DeliverySummary:
        """Count ``rows``; with ``batch_id`` they are that batch's, and the batch counts for ``complete``
        even when ``rows`` is empty. Call it once per batch, or once per page of it."""
        return self.add_counts(Counter(row.status for row in rows), batch_id)

    def add_counts(self, counts: Mapping[int, int], batch_id: str | None = None) -> DeliverySummary:
        """Count a page parsed with ``counts_only`` (rows per status code); ``batch_id`` as in :meth:`add_all`."""
        self.by_status.update(counts)
        added = sum(counts.values())
        self.total += added
        if batch_id is not None:
            self.rows_per_batch[batch_id] = self.rows_per_batch.get(batch_id, 0) + added
        return self

    @property
    def batches_without_rows(self) -> list[str]:
        """Batch ids given to :meth:`add_all` that showed no row (not visible yet, or unknown)."""
        return [batch_id for batch_id, rows in self.rows_per_batch.items() if rows == 0]

    def new_unknown(self, seen: set[int]) -> list[int]:
        """The unknown status codes not in ``seen`` (which gains them): log each one once per task."""
        fresh = [code for code in self.unknown_statuses if code not in seen]
        seen.update(fresh)
        return fresh

    def _outcomes(self) -> Counter[Outcome]:
        counts: Counter[Outcome] = Counter()
        for status, count in self.by_status.items():
            counts[classify(status, self.mms)] += count
        return counts

    @property
    def delivered(self) -> int:
        return self._outcomes()[Outcome.DELIVERED]

    @property
    def failed(self) -> int:
        return self._outcomes()[Outcome.FAILED]

    @property
    def cancelled(self) -> int:
        return self._outcomes()[Outcome.CANCELLED]

    @property
    def pending(self) -> int:
        outcomes = self._outcomes()
        return outcomes[Outcome.PENDING] + outcomes[Outcome.UNKNOWN]

    @property
    def unknown_statuses(self) -> list[int]:
        return sorted(code for code in self.by_status if classify(code, self.mms) is Outcome.UNKNOWN)

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.pending == 0 and not self.batches_without_rows

    @property
    def delivery_rate(self) -> float:
        """Delivered share of the messages that reached a final state other than cancelled (1.0 if none)."""
        decided = self.delivered + self.failed
        return self.delivered / decided if decided else 1.0

    def shortfall(self, fail_on_undelivered: bool = False, min_delivery_rate: float | None = None) -> str | None:
        """Why a complete batch should fail the task, or None. ``fail_on_undelivered`` fails on any failed
        message; ``min_delivery_rate`` (0-1) fails when the delivered share is lower."""
        if fail_on_undelivered and self.failed:
            verb = "was" if self.failed == 1 else "were"
            return f"{self.failed} of {self.total} messages {verb} not delivered ({self.describe()})"
        if min_delivery_rate is not None and self.delivery_rate < min_delivery_rate:
            return (f"delivery rate {self.delivery_rate:.1%} is below the minimum {min_delivery_rate:.1%} "
                    f"({self.describe()})")
        return None

    @classmethod
    def from_dict(cls, data: dict[str, Any], mms: bool = False) -> DeliverySummary:
        """Rebuild a summary from :meth:`to_dict` (a trigger event's payload, an XCom)."""
        by_status: Counter[int] = Counter({int(code): int(count) for code, count in data["by_status"].items()})
        return cls(mms=mms, total=int(data["total"]), by_status=by_status)

    def to_dict(self) -> dict[str, Any]:
        """The XCom shape: ``{"total", "delivered", "failed", "cancelled", "by_status": {"100": n}}``."""
        return {"total": self.total, "delivered": self.delivered, "failed": self.failed,
                "cancelled": self.cancelled,
                "by_status": {str(code): count for code, count in sorted(self.by_status.items())}}

    def describe(self) -> str:
        """One log line in words: ``3 messages: 2 delivered, 1 failed (103 number unassigned or inactive)``;
        several codes in one outcome are counted (``90 failed (50 × 101 handset off, ...; 40 × 103 ...)``),
        outcomes with no message are left out, and the batches that show no row yet are named (why a wait
        goes on with nothing pending)."""
        by_outcome: dict[Outcome, list[tuple[int, int]]] = {}
        for code, count in sorted(self.by_status.items()):
            outcome = classify(code, self.mms)
            by_outcome.setdefault(Outcome.PENDING if outcome is Outcome.UNKNOWN else outcome, []).append(
                (code, count))
        parts = [f"{self.delivered} delivered"]
        for outcome, word in ((Outcome.FAILED, "failed"), (Outcome.CANCELLED, "cancelled"),
                              (Outcome.PENDING, "pending")):
            codes = by_outcome.get(outcome)
            if codes:
                parts.append(f"{sum(count for _, count in codes)} {word} ({_codes_in_words(codes)})")
        empty = self.batches_without_rows
        waiting = f"; no rows yet for batch {', '.join(empty)}" if empty else ""
        noun = "message" if self.total == 1 else "messages"
        return f"{self.total} {noun}: {', '.join(parts)}{waiting}"


def _codes_in_words(codes: list[tuple[int, int]]) -> str:
    """``103 number unassigned or inactive`` for one code; ``2 × 101 ...; 1 × 103 ...`` for several."""
    if len(codes) == 1:
        return describe_status(codes[0][0])
    return "; ".join(f"{count} × {describe_status(code)}" for code, count in codes)


def summarize(batches: Iterable[tuple[str, Iterable[DeliveryRow]]], mms: bool = False) -> DeliverySummary:
    """Fold ``(batch_id, rows)`` pairs into one summary; a batch whose rows are empty keeps it incomplete.
    The sync hook's path; the async client adds its pages with :meth:`DeliverySummary.add_all` the same way."""
    summary = DeliverySummary(mms=mms)
    for batch_id, rows in batches:
        summary.add_all(rows, batch_id=batch_id)
    return summary


def validate_min_delivery_rate(value: object, field: str = "min_delivery_rate") -> float | None:
    """None, or a share from 0 to 1 (``0.95``); anything else raises :class:`Every8dValidationError` naming
    ``field`` (a string such as ``"95%"`` or a percentage such as ``95`` included)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Every8dValidationError(field, f"expected a number from 0 to 1, got {type(value).__name__} "
                                     f"{value!r}")
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise Every8dValidationError(field, f"{value!r} must be between 0 and 1 (0.95 for 95%)")
    return float(value)
