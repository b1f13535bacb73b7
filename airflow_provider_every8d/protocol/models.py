"""Typed results of every endpoint: here a send's (a frozen dataclass) and the batch-id rule.

An erasure's result (:mod:`.erase`) and what the platform reports after a send (status rows and pages,
replies, the delivery-report push: :mod:`.reports`) are re-exported here when first asked for: a send
never reads them, so its first one does not create their classes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_every8d.protocol.erase import EraseResult as EraseResult
    from airflow_provider_every8d.protocol.reports import DeliveryReport as DeliveryReport
    from airflow_provider_every8d.protocol.reports import DeliveryRow as DeliveryRow
    from airflow_provider_every8d.protocol.reports import Reply as Reply
    from airflow_provider_every8d.protocol.reports import ReplyPage as ReplyPage
    from airflow_provider_every8d.protocol.reports import StatusPage as StatusPage
    from airflow_provider_every8d.protocol.reports import push_time as push_time

BATCH_ID_RE = re.compile(
    r"(?![0-9A-Fa-f]{8}-(?![0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\Z))"
    r"[0-9A-Za-z][0-9A-Za-z\-_]{0,63}"
)
"""The one rule for a batch id, wherever one is read or given (a send's answer, a sensor's ``batch_id``, the
push's ``BatchID``): the platform gives UUIDs, older accounts shorter ids, so letters, digits, ``-`` and
``_``, 1 to 64 characters; but what starts like a UUID (8 hex digits and ``-``) must be a whole UUID, so an
answer cut inside its id never yields a wrong one. Use ``fullmatch``."""


@dataclass(frozen=True)
class SendResult:
    """Answer of a send (1.1-1.5).

    ``credit`` is the balance after the send (None when the platform did not say: 1.3's "everything was
    filtered" answer); ``unsent`` counts messages not sent for lack of credit; ``filtered`` lists the
    numbers the 24-hour duplicate filter (1.3) dropped; ``msg_id`` is 1.4's echo; ``fail_batch_ids``
    (API 2.2's FAIL_BATCHID) the earlier batches that made each ``filtered`` number a duplicate, in order.
    """

    credit: float | None
    sent: int
    cost: float
    unsent: int
    batch_id: str
    filtered: tuple[str, ...] = ()
    msg_id: str | None = None
    fail_batch_ids: tuple[str, ...] = ()

    @property
    def duplicates(self) -> dict[str, str]:
        """Each filtered number and the earlier batch that made it a duplicate (``""`` when not told)."""
        return {number: self.fail_batch_ids[index] if index < len(self.fail_batch_ids) else ""
                for index, number in enumerate(self.filtered)}


_FROM_REPORTS = frozenset({"DeliveryReport", "DeliveryRow", "Reply", "ReplyPage", "StatusPage", "push_time"})


def __getattr__(name: str) -> Any:
    """The types of :mod:`.reports` and :mod:`.erase`, re-exported when first asked for (``from ...models
    import DeliveryRow`` keeps working): a send reads no status page, reply or push and erases nothing."""
    if name in _FROM_REPORTS:
        from airflow_provider_every8d.protocol import reports

        return getattr(reports, name)
    if name == "EraseResult":
        from airflow_provider_every8d.protocol.erase import EraseResult

        return EraseResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
