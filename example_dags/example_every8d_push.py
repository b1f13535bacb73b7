"""Event-driven delivery reports: EVERY8D pushes each status change to Airflow's API server (spec 2.1),
the ``every8d`` plugin stores it as an asset event, and this DAG runs on those events.

``every8d_push_tally`` runs when delivery reports arrive; ``triggering_asset_events`` holds every report
since its previous run (several pushes that arrive together make one run), and it tallies the statuses per
batch. ``every8d_push_replies`` counts replies (STATUS=999) per batch. The account is the UID the
messages are sent with (env ``EVERY8D_PUSH_UID``, ``demo`` for the bundled emulator). Setup (the URL to
give EVERY8D, the token): ``docs/delivery-report-push.md``. Declaring the assets here is what makes the
receiver keep the reports: it stores nothing for an asset no DAG declares.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from typing import Any

import pendulum
from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_every8d.plugins.assets import delivery_report_asset, reply_asset, report_from_event

UID = os.environ.get("EVERY8D_PUSH_UID", "demo")
START = pendulum.datetime(2026, 1, 1, tz="Asia/Taipei")


def tally_by_batch(events: Any) -> dict[str, dict[str, int]]:
    """``{batch_id: {status: count}}`` over ``triggering_asset_events`` (a mapping asset -> events)."""
    by_batch: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for asset_events in events.values():
        for event in asset_events:
            report = report_from_event(event)
            by_batch[report.batch_id][str(report.status)] += 1
    return {batch_id: dict(sorted(counts.items())) for batch_id, counts in sorted(by_batch.items())}


with DAG(
    dag_id="every8d_push_tally",
    schedule=[delivery_report_asset(UID)],
    start_date=START,
    catchup=False,
    tags=["every8d", "example"],
):

    @task
    def tally(triggering_asset_events: Any = None) -> dict[str, dict[str, int]]:
        counts = tally_by_batch(triggering_asset_events or {})
        for batch_id, by_status in counts.items():
            print(f"BATCH {batch_id}: {sum(by_status.values())} report(s), by status {by_status}")
        return counts

    tally()


with DAG(
    dag_id="every8d_push_replies",
    schedule=[reply_asset(UID)],
    start_date=START,
    catchup=False,
    tags=["every8d", "example"],
):

    @task
    def count_replies(triggering_asset_events: Any = None) -> dict[str, int]:
        """Counts only: a reply's text is a message body, and message bodies stay out of logs."""
        counts = {batch_id: sum(by_status.values())
                  for batch_id, by_status in tally_by_batch(triggering_asset_events or {}).items()}
        print(f"REPLIES per batch: {counts}")
        return counts

    count_replies()
