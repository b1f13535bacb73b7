"""Text the on-call when a pipeline task fails.

The notifier sits on each task's ``on_failure_callback`` (through ``default_args``), not on the DAG:
task callbacks run in the task's own process on Airflow 2.11 and 3.x alike. With no ``message`` it
sends one SMS (70 characters, one point per recipient) naming the DAG, the task, the try and the run.

Trigger with ``{"fail": true}`` to see an alert (``dag.test(run_conf={"fail": True})`` in a test).
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_every8d.notifications.every8d import Every8dNotifier

ON_CALL = ["0900000001", "0900000002"]  # placeholders: put your on-call numbers (or a template) here

with DAG(
    dag_id="example_every8d_alerting",
    start_date=datetime(2025, 1, 1),
    schedule=None,
    catchup=False,
    params={"fail": False},
    default_args={
        "retries": 0,
        # Default text, e.g. "example_every8d_alerting.load_orders failed (try 1) at 2025-01-02 03:04 UTC"
        "on_failure_callback": Every8dNotifier(recipients=ON_CALL),
    },
    tags=["example", "every8d"],
) as dag:

    @task
    def extract_orders() -> int:
        return 42

    @task(
        # Your own text, rendered from the callback's context (keep it within max_length, 70 by default).
        on_failure_callback=Every8dNotifier(
            recipients=ON_CALL,
            # ``ds`` is undefined in a manual run on Airflow 3 (no logical date): prefer run-level fields.
            message="{{ dag.dag_id }}: load_orders failed (try {{ ti.try_number }})",
            subject="orders alert",
        ),
    )
    def load_orders(count: int, params: dict | None = None) -> None:
        if params and params.get("fail"):
            raise RuntimeError(f"could not load {count} orders (asked to fail by the run's conf)")

    load_orders(extract_orders())
