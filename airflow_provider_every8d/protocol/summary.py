"""The delivery summary a sensor, trigger or operator reports: counts per outcome and per status code.

Shared by the poke path (sync) and the trigger (async) so both decide "done" the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_every8d.protocol.models import DeliveryRow
from airflow_provider_every8d.protocol.status import Outcome, classify


@dataclass
class DeliverySummary:
    """Accumulates status rows (of one or several batches) into counts.

    ``complete`` is True when at least one row was seen and every row is terminal. A batch with no rows
    yet (just sent, not visible) is not complete. Unknown codes are counted in ``by_status`` and keep the
    batch incomplete.
    """

    mms: bool = False
    total: int = 0
    by_outcome: Counter[Outcome] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)

    def add(self, row: DeliveryRow) -> None:
        self.total += 1
        self.by_status[row.status] += 1

    def add_all(self, rows: Iterable[DeliveryRow]) -> DeliverySummary:
        before = sum(self.by_status.values())
        self.by_status.update(row.status for row in rows)
        self.total += sum(self.by_status.values()) - before
        return self

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
        return self.total > 0 and self.pending == 0

    @property
    def delivery_rate(self) -> float:
        """Delivered share of the messages that reached a final state other than cancelled (1.0 if none)."""
        decided = self.delivered + self.failed
        return self.delivered / decided if decided else 1.0

    def shortfall(self, fail_on_undelivered: bool = False, min_delivery_rate: float | None = None) -> str | None:
        """Why a complete batch should fail the task, or None. ``fail_on_undelivered`` fails on any failed
        message; ``min_delivery_rate`` (0-1) fails when the delivered share is lower."""
        if fail_on_undelivered and self.failed:
            return f"{self.failed} of {self.total} messages were not delivered ({self.describe()})"
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
        """One log line: ``2500 messages: 2400 delivered, 90 failed, 0 cancelled, 10 pending (0: 10, ...)``."""
        codes = ", ".join(f"{code}: {count}" for code, count in sorted(self.by_status.items()))
        return (f"{self.total} messages: {self.delivered} delivered, {self.failed} failed, {self.cancelled} "
                f"cancelled, {self.pending} pending ({codes})")
