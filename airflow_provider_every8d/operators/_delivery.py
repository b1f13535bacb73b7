"""``wait_for_delivery=True``: wait until every message of the sent batches is final, then judge the result.

On the worker (``deferrable=False``) the operator polls the status endpoints every ``poll_interval``
seconds; deferred, the :class:`~airflow_provider_every8d.triggers.every8d.Every8dDeliveryStatusTrigger`
polls in the triggerer. Both spend the same failure budget (:mod:`airflow_provider_every8d.protocol.waits`)
and end in the same :func:`judge`, whose shortfall is the delivery sensor's (:mod:`airflow_provider_every8d.waiting`).
The wait is bounded by the messages' validity plus an hour, as the sensor's. Before Airflow 3.3 without
``deduplicate``, avoid ``execution_timeout`` on a waiting send task: Airflow retries a timed-out task, and
the retry would send again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_every8d.hooks.every8d import Every8dHook
    from airflow_provider_every8d.protocol.summary import DeliverySummary


def poll_until_final(hook: Every8dHook, batch_ids: Sequence[str], *, mms: bool, poll_interval: float,
                     timeout: timedelta, retry_safe: bool, log: logging.Logger | Any) -> DeliverySummary:
    """Poll the batches' status until every message is final (see :class:`DeliverySummary`).

    Transient failures spend the failure budget (5 in a row; the pause grows 1, 2, 4 ... s up to
    ``poll_interval``). Giving up (budget spent, a refusal, or ``timeout``) fails the task; it is retried
    only when a retry cannot send again.
    """
    from airflow_provider_every8d.operators._verdict import fail
    from airflow_provider_every8d.protocol.errors import Every8dApiError
    from airflow_provider_every8d.protocol.waits import FailureBudget

    ids = ", ".join(batch_ids)
    budget = FailureBudget(what=f"batch {ids}")
    deadline = time.monotonic() + timeout.total_seconds()
    note = "" if retry_safe else "; not retried, since a retry would send again"
    while True:
        try:
            summary = hook.get_delivery_summary(list(batch_ids), mms=mms)
        except Every8dApiError as error:  # refused (e.g. -2): not transient
            raise fail(f"the send succeeded (batches {ids}) but EVERY8D refused the status query: {error}{note}",
                       retry_safe) from error
        except budget.transient as error:
            given_up = budget.failed(error)
            if given_up:
                raise fail(f"the send succeeded (batches {ids}) but {given_up}{note}", retry_safe) from error
            log.warning("%s", budget.warning(error, budget.pause(poll_interval)))
        else:
            budget.succeeded()
            if summary.complete:
                return summary
            log.info("EVERY8D delivery not final yet: %s; next check in %gs", summary.describe(), poll_interval)
        pause = budget.pause(poll_interval)
        if time.monotonic() + pause > deadline:
            raise fail(f"the send succeeded (batches {ids}) but delivery was not final within {timeout}{note}",
                       retry_safe)
        time.sleep(pause)


def judge(send_result: dict[str, Any], summary: DeliverySummary, *, fail_on_undelivered: bool,
          min_delivery_rate: float | None, log: logging.Logger | Any) -> dict[str, Any]:
    """The XCom (send result plus ``delivery``), or AirflowFailException when the delivery falls short
    (final: a retry cannot improve delivery, and must not send again)."""
    from airflow_provider_every8d.waiting import check_delivery

    log.info("EVERY8D delivery final: %s", summary.describe())
    check_delivery(summary, send_result["batch_ids"], fail_on_undelivered=fail_on_undelivered,
                   min_delivery_rate=min_delivery_rate)
    return {**send_result, "delivery": summary.to_dict()}
