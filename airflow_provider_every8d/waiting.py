"""The Airflow side of a wait for delivery, shared by the delivery sensor and the send operators.

The failure budget itself is pure (:mod:`airflow_provider_every8d.protocol.waits`); what lives here is
the one mapping from "the batch is final but delivery fell short" to the task's failure, so the sensor
and ``wait_for_delivery`` fail the same way: :class:`AirflowFailException`, never retried. The statuses
of a complete batch are final, so a retry would read the same shortfall again (and a send task's retry
could text people twice). Airflow is imported only when a shortfall is raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow_provider_every8d.protocol.summary import DeliverySummary


def check_delivery(summary: DeliverySummary, batch_ids: Sequence[str], *, fail_on_undelivered: bool,
                   min_delivery_rate: float | None) -> None:
    """Return when delivery meets the options; else raise AirflowFailException naming the batches."""
    problem = summary.shortfall(fail_on_undelivered, min_delivery_rate)
    if problem:
        from airflow.providers.common.compat.sdk import AirflowFailException

        raise AirflowFailException(f"EVERY8D batch {', '.join(batch_ids)}: {problem}")
