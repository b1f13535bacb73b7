"""Quickstart: send an SMS to three numbers, wait in the triggerer until each is delivered or failed.

Run it against the bundled emulator with ``make demo``. With the emulator, numbers ending in 101-107 fail
with that carrier code, so this run shows one failure (``0900000103``: number empty or suspended).
"""

from __future__ import annotations

import pendulum
from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator
from airflow_provider_every8d.sensors.every8d import Every8dDeliveryStatusSensor

with DAG(
    dag_id="every8d_quickstart",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Taipei"),
    catchup=False,
    params={"order": "A-1024"},
    tags=["every8d", "example"],
) as dag:
    send = Every8dSendSmsOperator(
        task_id="send",
        message="Order {{ params.order }} has shipped. Thank you!",
        recipients=["0900000001", "0900000002", "0900000103"],
        subject="quickstart",
    )

    wait = Every8dDeliveryStatusSensor(
        task_id="wait_for_delivery",
        batch_id=send.output,  # the send XCom; the sensor reads its batch_ids
        deferrable=True,
        poke_interval=2,
    )

    @task
    def report(sent: dict, delivery: dict) -> None:
        print(f"SENT: {sent['sent']} messages in batch(es) {', '.join(sent['batch_ids'])}, "
              f"cost {sent['cost']:g} points")
        print(f"DELIVERY: {delivery['delivered']} delivered, {delivery['failed']} failed, "
              f"{delivery['cancelled']} cancelled; by status {delivery['by_status']}")
        print(f"BALANCE: {sent['credit']:.2f} points left")

    report(send.output, wait.output)
