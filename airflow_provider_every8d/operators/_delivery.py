"""``wait_for_delivery=True``: wait until every message of the sent batches is final, then judge the result.

On the worker (``deferrable=False``) the operator polls the status endpoints every ``poll_interval``
seconds; deferred, the :class:`~airflow_provider_every8d.triggers.every8d.Every8dDeliveryStatusTrigger`
polls in the triggerer. Both end in the same :func:`judge`. Bound the wait with the task's
``execution_timeout`` (a booked send is not final before its send time).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException

if TYPE_CHECKING:
    from airflow_provider_every8d.hooks.every8d import Every8dHook
    from airflow_provider_every8d.protocol.summary import DeliverySummary


def poll_until_final(hook: Every8dHook, batch_ids: Sequence[str], mms: bool, poll_interval: float,
                     log: logging.Logger | Any) -> DeliverySummary:
    """Poll the batches' status until every message is final (see :class:`DeliverySummary`)."""
    while True:
        summary = hook.get_delivery_summary(list(batch_ids), mms=mms)
        if summary.complete:
            return summary
        log.info("EVERY8D delivery not final yet: %s; next check in %gs", summary.describe(), poll_interval)
        time.sleep(poll_interval)


def summary_from_dict(data: Mapping[str, Any], mms: bool) -> DeliverySummary:
    """Rebuild a summary from its XCom shape (``to_dict()``), e.g. from a trigger event."""
    from airflow_provider_every8d.protocol.summary import DeliverySummary

    summary = DeliverySummary(mms=mms)
    for code, count in dict(data.get("by_status") or {}).items():
        summary.by_status[int(code)] += int(count)
    summary.total = int(data.get("total", sum(summary.by_status.values())))
    return summary


def judge(send_result: dict[str, Any], summary: DeliverySummary, fail_on_undelivered: bool,
          min_delivery_rate: float | None, log: logging.Logger | Any) -> dict[str, Any]:
    """The XCom (send result plus ``delivery``), or an AirflowException when the delivery falls short."""
    log.info("EVERY8D delivery final: %s", summary.describe())
    problem = summary.shortfall(fail_on_undelivered, min_delivery_rate)
    if problem:
        raise AirflowException(f"delivery of batches {', '.join(send_result['batch_ids'])}: {problem}")
    return {**send_result, "delivery": summary.to_dict()}
