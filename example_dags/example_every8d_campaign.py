"""A campaign too large for one task: mapped sends over chunks of recipients.

One send task can text any number of recipients, but a list of a million numbers in one task means one
worker busy for a long time, one XCom holding every batch id, and a retry that has to read one very large
ledger. The pattern here spreads it:

1. an upstream task loads the recipients and cuts them into parts of ``PART`` (50,000) numbers;
2. ``Every8dSendSmsOperator.partial(...).expand(recipients=...)`` makes one task instance per part, run by
   whichever Celery (or Kubernetes) worker is free. Each map index has its **own send-once ledger** (its
   ``task_state_store``, Airflow 3.3+): a retry of index 3 skips whom index 3 already sent, and no index
   can resend another's recipients;
3. a last task adds the per-index XComs up: recipients sent, points spent, batch ids.

``max_active_tis_per_dag`` caps how many parts send at once (the platform's rate, the workers' slots). The
recipients here are emulator-only test numbers from the ``first`` and ``count`` params; in real life the
first task runs a query. ``docs/production.md`` has the figures measured with this DAG.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pendulum
from airflow.providers.common.compat.sdk import DAG, Param, task

from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator

PART = 50_000
"""Recipients per map index: one task instance, its own ledger, ``PART / chunk_size`` requests."""


def parts(recipients: Sequence[str], size: int = PART) -> list[list[str]]:
    """``recipients`` cut into consecutive parts of at most ``size`` numbers, none empty."""
    if size < 1:
        raise ValueError(f"size: {size!r} must be at least 1")
    return [list(recipients[start:start + size]) for start in range(0, len(recipients), size)]


def campaign_totals(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The whole campaign from the per-index send XComs (in map index order)."""
    return {
        "parts": len(results),
        "sent": sum(int(result["sent"]) for result in results),
        "cost": float(sum(result["cost"] for result in results)),
        "unsent": sum(int(result["unsent"]) for result in results),
        "filtered": sum(len(result["filtered"]) for result in results),
        "batches": sum(len(result["batch_ids"]) for result in results),
        "sent_by_part": [int(result["sent"]) for result in results],
    }


with DAG(
    dag_id="example_every8d_campaign",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Taipei"),
    catchup=False,
    params={"first": Param(0, type="integer", minimum=0), "count": Param(100_000, type="integer", minimum=1)},
    tags=["every8d", "example"],
) as dag:

    @task
    def recipient_parts(params: Any = None) -> list[list[str]]:
        """In real life a query; here ``count`` emulator test numbers, in parts of ``PART``."""
        first, count = int(params["first"]), int(params["count"])
        return parts([f"09{n:08d}" for n in range(first, first + count)], PART)

    sends = Every8dSendSmsOperator.partial(
        task_id="send_part",
        message="EVERY8D campaign {{ run_id }}",
        chunk_size=1_000,  # recipients per request: 50 requests (50 batch ids) per part
        deduplicate=True,  # a second run, or a resend, within 24 hours drops who already got it
        max_active_tis_per_dag=2,
    ).expand(recipients=recipient_parts())

    @task
    def totals(results: Any) -> dict[str, Any]:
        summary = campaign_totals(list(results))
        print(f"CAMPAIGN: {summary['sent']} sent in {summary['parts']} parts, {summary['cost']:g} points")
        return summary

    totals(sends.output)
