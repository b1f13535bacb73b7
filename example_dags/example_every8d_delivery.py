"""Send a campaign, then wait until every message is final, failing the run if too few were delivered.

The sensor defers to the triggerer (no worker slot is held while the carriers deliver) and returns the
delivery summary ``{"total", "delivered", "failed", "cancelled", "by_status"}``. Against the emulator,
``0900000103`` fails (number empty or suspended), so the run shows 2 of 3 delivered: above the 60 % floor.
"""

from __future__ import annotations

import pendulum
from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator
from airflow_provider_every8d.sensors.every8d import Every8dDeliveryStatusSensor

with DAG(
    dag_id="example_every8d_delivery",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Taipei"),
    catchup=False,
    tags=["every8d", "example"],
) as dag:
    send = Every8dSendSmsOperator(
        task_id="send",
        message="Your parcel arrives tomorrow between 9 and 12.",
        recipients=["0900000001", "0900000002", "0900000103"],
        retry_time=120,  # the platform keeps trying for 2 hours...
    )

    wait = Every8dDeliveryStatusSensor(
        task_id="wait_for_delivery",
        batch_id=send.output,  # the send XCom {"batch_ids": [...], ...}: the sensor waits for every batch
        retry_time=120,  # ...so the sensor's default timeout is 2 hours + 1 hour of margin
        min_delivery_rate=0.6,  # fail the task when fewer than 60 % of the decided messages arrived
        deferrable=True,
        poke_interval=30,
    )

    @task
    def log_outcome(delivery: dict) -> None:
        print(f"{delivery['delivered']} of {delivery['total']} delivered; by status {delivery['by_status']}")

    log_outcome(wait.output)
