"""DAGs the chaos tests run on the production-shaped deployment (tests/deployment/test_chaos.py).

``every8d_chaos_send``: two 5,000-recipient sends in parallel, one plain and one with ``deduplicate``, in
chunks of 500; the test kills the worker running them between accepted chunks. The text names the run, so
the emulator's record tells one run's messages from another's.

``every8d_chaos_waits_0`` ... ``_7``: 200 delivery waits (25 a DAG) that start in the triggerer
(``start_from_trigger``), each on the batch id the run's conf gives it; the test kills the triggerer
holding most of them.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.common.compat.sdk import DAG

from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator
from airflow_provider_every8d.sensors.delivery_status import Every8dDeliveryStatusSensor

START = pendulum.datetime(2026, 1, 1, tz="UTC")
RECIPIENTS = 5_000
WAITS = 200
WAIT_DAGS = 8
FIRST_NUMBER = {"plain": 100_000, "dedup": 200_000}


def numbers(first: int, count: int) -> list[str]:
    """Emulator-only numbers 09xxxxxxxx from ``first`` on (never real phones)."""
    return [f"09{n:08d}" for n in range(first, first + count)]


with DAG(dag_id="every8d_chaos_send", schedule=None, start_date=START, catchup=False,
         default_args={"retries": 1, "retry_delay": timedelta(seconds=1)}):
    for kind, first in FIRST_NUMBER.items():
        Every8dSendSmsOperator(task_id=f"send_{kind}", message=f"chaos {kind} {{{{ run_id }}}}",
                               recipients=numbers(first, RECIPIENTS), chunk_size=500,
                               deduplicate=kind == "dedup")

for part in range(WAIT_DAGS):  # the triggerer deserialises a start_from_trigger task's whole DAG: keep DAGs small
    with DAG(dag_id=f"every8d_chaos_waits_{part}", schedule=None, start_date=START, catchup=False,
             max_active_tasks=WAITS):
        for index in range(part * WAITS // WAIT_DAGS, (part + 1) * WAITS // WAIT_DAGS):
            Every8dDeliveryStatusSensor(task_id=f"wait_{index:03d}",
                                        batch_id=f"{{{{ dag_run.conf['batches'][{index}] }}}}",
                                        deferrable=True, start_from_trigger=True, poke_interval=4)
