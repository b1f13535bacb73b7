"""Benchmark-only DAGs for ``bench_real_triggerer.py``: the DAG files it writes call :func:`define`.

``every8d``: each DAG ``bench_every8d_NNNN`` holds ``tasks`` ``Every8dDeliveryStatusSensor`` waits started in
the triggerer (``deferrable=True, start_from_trigger=True``), task ``wait_i`` on the batch id
``dag_run.conf['batches'][i]``. ``peer``: the same shape with Airflow's lightest deferrable wait,
``DateTimeSensorAsync(start_from_trigger=True, end_from_trigger=True)`` (a ``DateTimeTrigger``) until
``dag_run.conf['until']``. ``dfevery8d``/``dfpeer``: the same two waits deferred the ordinary way (no
``start_from_trigger``), in DAGs paused at creation: ``_defer_bulk.py`` writes their runs and deferred task
instances, and the scheduler never queues the resumed tasks (there is no worker). ``probe``: the one lag-probe
task (``_lag_probe.py``).
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.providers.common.compat.sdk import DAG

START = pendulum.datetime(2026, 1, 1, tz="UTC")


def define(namespace: dict[str, Any], *, kind: str, dags: range = range(1), tasks: int = 1, poke: float = 60.0,
           directory: str = "") -> None:
    """Put the DAGs of one file in its ``namespace`` (the file's globals)."""
    if kind == "probe":
        from _lag_probe import LagProbeOperator

        with DAG(dag_id="bench_lag_probe", schedule=None, start_date=START, catchup=False) as dag:
            LagProbeOperator(task_id="probe", directory=directory)
        namespace[dag.dag_id] = dag
        return
    for number in dags:
        with DAG(dag_id=f"bench_{kind}_{number:04d}", schedule=None, start_date=START, catchup=False,
                 max_active_tasks=tasks, is_paused_upon_creation=kind.startswith("df")) as dag:
            for index in range(tasks):
                _wait(kind, index, poke)
        namespace[dag.dag_id] = dag


def _wait(kind: str, index: int, poke: float) -> None:
    started: dict[str, Any] = {} if kind.startswith("df") else {"start_from_trigger": True}
    if kind.endswith("every8d"):
        from airflow_provider_every8d.sensors.delivery_status import Every8dDeliveryStatusSensor

        Every8dDeliveryStatusSensor(task_id=f"wait_{index:03d}", batch_id=f"{{{{ dag_run.conf['batches'][{index}] }}}}",
                                    deferrable=True, poke_interval=poke, **started)
    else:
        from airflow.providers.standard.sensors.date_time import DateTimeSensorAsync

        DateTimeSensorAsync(task_id=f"wait_{index:03d}", target_time="{{ dag_run.conf['until'] }}",
                            **({**started, "end_from_trigger": True} if started else {}))
