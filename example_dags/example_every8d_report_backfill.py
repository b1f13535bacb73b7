"""A daily reminder whose per-recipient delivery report lands in object storage, one file per day.

Each run sends, waits until every message is final (rescheduling: no worker held between checks), and
writes ``<REPORT_ROOT>/<ds>.csv`` from the batch ids in *that run's* ``send`` XCom. The report task reads
those ids from XCom, never from the send, so it can be re-run alone for any past day:

- reports of days this DAG already ran (the task was added later, or files were lost):
  ``airflow tasks clear example_every8d_report_backfill -t write_report -s 2026-01-01 -e 2026-01-31 -y``
  (the scheduler re-runs only the report tasks; nothing is sent again);
- days that never ran: catchup (``catchup=True`` below) or ``airflow backfill create`` runs the whole
  DAG for them, which sends the reminders of those days too.

``REPORT_ROOT`` may be any ``ObjectStoragePath`` URL, e.g. ``s3://bucket/every8d`` with an ``aws_conn_id``
(``ObjectStoragePath("s3://bucket/every8d", conn_id="aws_default")``) or a local ``file:///`` path.
"""

from __future__ import annotations

import os

import pendulum
from airflow.providers.common.compat.sdk import DAG

from airflow_provider_every8d.operators.delivery_report import Every8dDeliveryReportOperator
from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator
from airflow_provider_every8d.sensors.every8d import Every8dDeliveryStatusSensor

REPORT_ROOT = os.environ.get("EVERY8D_REPORT_ROOT", "file:///tmp/every8d-reports")

with DAG(
    dag_id="example_every8d_report_backfill",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Taipei"),
    catchup=True,
    max_active_runs=3,
    tags=["every8d", "example"],
) as dag:
    send = Every8dSendSmsOperator(
        task_id="send",
        message="Reminder: your appointment is tomorrow.",
        recipients=["0900000001", "0900000002", "0900000105"],
        retry_time=60,
    )

    wait = Every8dDeliveryStatusSensor(
        task_id="wait_for_delivery",
        batch_id=send.output,  # the send XCom; its "batch_ids" are used
        retry_time=60,  # default timeout: 1 hour of validity + 1 hour
        mode="reschedule",
        poke_interval=300,
    )

    report = Every8dDeliveryReportOperator(
        task_id="write_report",
        batch_ids="{{ ti.xcom_pull(task_ids='send')['batch_ids'] }}",
        path=REPORT_ROOT + "/{{ ds }}.csv",
        include_replies=True,  # replies go beside it, in <ds>.replies.csv
    )

    send >> wait >> report
