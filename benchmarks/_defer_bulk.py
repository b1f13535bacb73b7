"""Ordinary deferred waits, written in bulk as a worker's ``defer()`` leaves them (for bench_real_triggerer.py).

Run with the deployment's environment (its metadata database, its config):
``python _defer_bulk.py SPEC.json``; SPEC: ``{"kind": "dfevery8d"|"dfpeer", "runs": [[dag_id, conf], ...],
"poke": seconds}``. For each DAG run: ``create_dagrun`` from the serialised DAG (Airflow's own code: the run and
its task instances), then for each task instance exactly what the Execution API's ``PATCH .../state`` deferred
branch writes (airflow/api_fastapi/execution_api/routes/task_instances.py) when the task runner's
``_defer_task`` sent ``DeferTask``: a ``trigger`` row (classpath, kwargs JSON-serialised with serde as the task
runner does, queue None) and the TI ``deferred`` with ``trigger_id``, ``next_method``, ``next_kwargs`` and
``trigger_timeout``; try number 1 and a start date as the run that deferred left them. The trigger objects are
the real ones, built as the sensors' ``execute`` builds them: ``Every8dDeliveryStatusTrigger`` with the
``Every8dDeliveryStatusSensor``'s values, ``DateTimeTrigger`` as ``DateTimeSensorAsync`` builds it. The DAGs are
paused, so the scheduler never queues the resumed tasks (there is no worker to run them). Prints the seconds.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any


def trigger_for(kind: str, conf: dict[str, Any], index: int, poke: float) -> tuple[Any, str, timedelta | None]:
    """(trigger object, next_method, timeout) as the sensor's execute() passes them to defer()."""
    if kind == "dfevery8d":
        from airflow_provider_every8d.sensors.delivery_status import Every8dDeliveryStatusSensor
        from airflow_provider_every8d.triggers.every8d import Every8dDeliveryStatusTrigger

        sensor = Every8dDeliveryStatusSensor(task_id=f"wait_{index:03d}", batch_id=conf["batches"][index],
                                             deferrable=True, poke_interval=poke)
        trigger = Every8dDeliveryStatusTrigger(batch_ids=sensor.batch_ids, every8d_conn_id=sensor.every8d_conn_id,
                                               mms=sensor.mms, poll_interval=sensor.poke_interval,
                                               max_consecutive_failures=sensor.max_consecutive_failures)
        return trigger, "execute_complete", timedelta(seconds=sensor.timeout) if sensor.timeout is not None else None
    from airflow.providers.standard.sensors.date_time import DateTimeSensorAsync
    from airflow.providers.standard.triggers.temporal import DateTimeTrigger

    peer = DateTimeSensorAsync(task_id=f"wait_{index:03d}", target_time=conf["until"])
    return DateTimeTrigger(moment=peer._moment, end_from_trigger=peer.end_from_trigger), "execute_complete", None


def main(spec_path: str) -> None:
    from airflow.models.serialized_dag import SerializedDagModel
    from airflow.models.taskinstance import TaskInstance as TI
    from airflow.models.trigger import Trigger
    from airflow.sdk.serde import serialize as serde_serialize
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState, TaskInstanceState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType
    from sqlalchemy import update

    spec = json.loads(Path(spec_path).read_text())
    started = time.monotonic()
    dags: dict[str, Any] = {}
    for dag_id, conf in spec["runs"]:
        with create_session() as session:  # one transaction a run: the scheduler never sees it half-written
            dag = dags.get(dag_id) or dags.setdefault(dag_id, SerializedDagModel.get_dag(dag_id, session=session))
            assert dag is not None, f"{dag_id} is not parsed"
            now = datetime.now(timezone.utc)
            run = dag.create_dagrun(run_id=f"{dag_id}-{time.time_ns()}", run_after=now, conf=conf,
                                    run_type=DagRunType.MANUAL, triggered_by=DagRunTriggeredByType.TEST,
                                    state=DagRunState.RUNNING, start_date=now, session=session)
            for ti in run.get_task_instances(session=session):
                trigger, next_method, timeout = trigger_for(spec["kind"], conf, int(ti.task_id.split("_")[-1]),
                                                            spec["poke"])
                classpath, kwargs = trigger.serialize()  # the task runner's _defer_task
                row = Trigger(classpath=classpath, kwargs={}, queue=None)  # the route's deferred branch
                row.encrypted_kwargs = json.dumps(serde_serialize(kwargs))
                session.add(row)
                session.flush()
                session.execute(update(TI).where(TI.id == ti.id).values(
                    state=TaskInstanceState.DEFERRED, trigger_id=row.id, next_method=next_method,
                    next_kwargs=serde_serialize({}), try_number=1, start_date=now, queued_dttm=now,
                    trigger_timeout=datetime.now(timezone.utc) + timeout if timeout else None))
    print(f"{time.monotonic() - started:.2f}")


if __name__ == "__main__":
    main(sys.argv[1])
