"""Human in the loop by SMS: ask the on-call engineer "reply Y to approve the load", then load or stop.

The reply sensor waits (in the triggerer) for an answer from the approver's number that says yes or no;
a short-circuit task then lets the load run only on a yes. With no answer within the timeout the sensor
fails and nothing is loaded. Against the emulator, inject the reply with
``emulator.inject_reply(batch_id, "0900000021", "Y")``, or send to a number ending in 998, which the
emulator answers with "Y" by itself.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator
from airflow_provider_every8d.sensors.every8d import Every8dReplySensor

APPROVER = "{{ params.approver }}"

with DAG(
    dag_id="example_every8d_approval",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Taipei"),
    catchup=False,
    params={"approver": "0900000998"},
    tags=["every8d", "example"],
) as dag:
    ask = Every8dSendSmsOperator(
        task_id="ask",
        message="Load {{ ds }} is staged: 1.2M rows. Reply Y to approve the load, N to stop it.",
        recipients=APPROVER,
    )

    answer = Every8dReplySensor(
        task_id="wait_for_answer",
        batch_id=ask.output,  # the send XCom; its "batch_ids" are used
        from_numbers=APPROVER,  # replies from anyone else are ignored
        pattern=r"^(y|yes|n|no)$",  # case-insensitive, on the stripped reply
        deferrable=True,
        poke_interval=15,
        timeout=timedelta(hours=2),  # no answer in 2 hours: the sensor fails and nothing is loaded
    )

    @task.short_circuit
    def approved(replies: list[dict]) -> bool:
        latest = max(replies, key=lambda reply: reply["reply_time"])
        return latest["content"].strip().lower().startswith("y")

    @task
    def load() -> None:
        print("approved: loading")

    approved(answer.output) >> load()
