"""Text the on-call when a run is late: a Deadline Alert whose callback is the async notifier.

Deadline Alerts exist from Airflow 3.1 (``airflow.sdk.DeadlineAlert``); on older Airflow this file
defines no DAG and parses without errors. The scheduler notices the missed deadline and the triggerer
awaits ``Every8dNotifier`` (its ``async_notify``, over httpx). The context a deadline callback gets is
small (the DAG run and the deadline), so the default text reads like
``Airflow: example_every8d_deadline missed its deadline run scheduled__2025-…``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_every8d.notifications.every8d import Every8dNotifier

try:
    from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference
except ImportError:  # Airflow 2.11 and 3.0: no Deadline Alerts
    DeadlineAlert = None

ON_CALL = ["0900000001"]  # placeholder: your on-call number(s)

if DeadlineAlert is not None:
    with DAG(
        dag_id="example_every8d_deadline",
        start_date=datetime(2025, 1, 1),
        schedule="@daily",
        catchup=False,
        deadline=DeadlineAlert(
            reference=DeadlineReference.DAGRUN_QUEUED_AT,
            interval=timedelta(minutes=30),
            # kwargs are stored with the serialized DAG: plain JSON values only.
            callback=AsyncCallback(Every8dNotifier, kwargs={"recipients": ON_CALL}),
        ),
        tags=["example", "every8d"],
    ) as dag:

        @task
        def nightly_report() -> None:
            """Stands for work that must finish within 30 minutes of being queued."""

        nightly_report()
