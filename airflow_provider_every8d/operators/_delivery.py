"""``wait_for_delivery=True``: wait until every message of the sent batches is final, then judge the result.

On the worker (``deferrable=False``) the operator polls the status endpoints every ``poll_interval``
seconds; deferred, the :class:`~airflow_provider_every8d.triggers.every8d.Every8dDeliveryStatusTrigger`
polls in the triggerer. Both end in the same :func:`judge`. The wait is bounded by the messages' validity
plus an hour, as the sensor's. Before Airflow 3.3 without ``deduplicate``, avoid ``execution_timeout`` on a
waiting send task: Airflow retries a timed-out task, and the retry would send again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException

if TYPE_CHECKING:
    from airflow_provider_every8d.hooks.every8d import Every8dHook
    from airflow_provider_every8d.protocol.summary import DeliverySummary


MAX_CONSECUTIVE_FAILURES = 5
"""Status checks in a row that may fail (timeouts, 5xx, unparsable answers) before the wait gives up."""


def poll_until_final(hook: Every8dHook, batch_ids: Sequence[str], mms: bool, poll_interval: float,
                     timeout: timedelta, retry_safe: bool, log: logging.Logger | Any) -> DeliverySummary:
    """Poll the batches' status until every message is final (see :class:`DeliverySummary`).

    Transient failures are tolerated up to :data:`MAX_CONSECUTIVE_FAILURES` in a row. Giving up (too many
    failures, or ``timeout``) fails the task; it is retried only when a retry cannot send again.
    """
    from airflow_provider_every8d.operators._verdict import fail
    from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError, Every8dTransportError

    deadline = time.monotonic() + timeout.total_seconds()
    failures = 0
    note = "" if retry_safe else "; not retried, since a retry would send again"
    while True:
        try:
            summary = hook.get_delivery_summary(list(batch_ids), mms=mms)
        except Every8dApiError as error:  # refused (e.g. -2): not transient
            raise fail(f"the send succeeded (batches {', '.join(batch_ids)}) but EVERY8D refused the status query: "
                       f"{error}{note}", retry_safe) from error
        except (Every8dTransportError, Every8dResponseError) as error:
            failures += 1
            if failures >= MAX_CONSECUTIVE_FAILURES:
                raise fail(f"the send succeeded (batches {', '.join(batch_ids)}) but {failures} status checks in "
                           f"a row failed; last: {error}{note}", retry_safe) from error
            log.warning("EVERY8D status check %d/%d failed (%s)", failures, MAX_CONSECUTIVE_FAILURES, error)
        else:
            failures = 0
            if summary.complete:
                return summary
            log.info("EVERY8D delivery not final yet: %s; next check in %gs", summary.describe(), poll_interval)
        if time.monotonic() + poll_interval > deadline:
            raise fail(f"the send succeeded (batches {', '.join(batch_ids)}) but delivery was not final within "
                       f"{timeout}{note}", retry_safe)
        time.sleep(poll_interval)


def judge(send_result: dict[str, Any], summary: DeliverySummary, fail_on_undelivered: bool,
          min_delivery_rate: float | None, log: logging.Logger | Any) -> dict[str, Any]:
    """The XCom (send result plus ``delivery``), or an AirflowException when the delivery falls short."""
    log.info("EVERY8D delivery final: %s", summary.describe())
    problem = summary.shortfall(fail_on_undelivered, min_delivery_rate)
    if problem:  # final: a retry cannot improve delivery, and must not send again
        raise AirflowFailException(f"delivery of batches {', '.join(send_result['batch_ids'])}: {problem}")
    return {**send_result, "delivery": summary.to_dict()}
