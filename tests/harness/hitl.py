"""Shared helpers for HITL tests in Airflow's database: a task deferred on the HITL trigger (the ``waiting``
fixture, imported by ``tests/integration/hitl/conftest.py``) and what its task instance and record hold."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pendulum
import pytest

APPROVER, STRANGER = "0900000021", "0900000031"


@pytest.fixture(params=[True], ids=["in-a-triggerer"])
def waiting(request: pytest.FixtureRequest, airflow_db: Any, every8d_emulator: Any) -> Iterator[dict[str, Any]]:
    """A run whose approval task is deferred on the HITL trigger, its question texted in a real batch; the
    trigger runs in a triggerer unless the param says False (the task deferred moments ago)."""
    from airflow.models.hitl import HITLDetail
    from airflow.models.serialized_dag import SerializedDagModel
    from airflow.models.trigger import Trigger
    from airflow.providers.common.compat.sdk import DAG
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState, TaskInstanceState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType

    from airflow_provider_every8d.constants import HITL_TRIGGER_CLASSPATH
    from airflow_provider_every8d.hooks.every8d import Every8dHook
    from airflow_provider_every8d.operators.hitl import Every8dApprovalOperator
    from tests.helpers import register

    dag_id = f"hitl_push_{uuid.uuid4().hex[:8]}"
    with DAG(dag_id, schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC")) as dag:
        Every8dApprovalOperator(task_id="approve", subject="Deploy?", recipients=APPROVER)
    register(dag)
    batch_id = Every8dHook().send_sms("Deploy? 1 Approve, 2 Reject: reply with the number", APPROVER).batch_id
    with create_session() as session:
        run = SerializedDagModel.get_dag(dag_id, session=session).create_dagrun(
            run_id="manual__1", run_after=pendulum.now("UTC"), run_type=DagRunType.MANUAL,
            triggered_by=DagRunTriggeredByType.TEST, state=DagRunState.RUNNING, session=session)
        ti = run.get_task_instance("approve", session=session)
        trigger = Trigger(HITL_TRIGGER_CLASSPATH, {
            "ti_id": ti.id, "batch_ids": [batch_id], "options": ["Approve", "Reject"], "multiple": False,
            "allowed_numbers": [APPROVER], "defaults": None, "params": {}, "timeout_datetime": None,
            "every8d_conn_id": "every8d_default", "poll_interval": 30.0, "record_interval": 5.0})
        trigger.triggerer_id = 42 if request.param else None
        session.add(trigger)
        session.flush()
        ti.state, ti.trigger_id = TaskInstanceState.DEFERRED, trigger.id
        ti.next_method, ti.next_kwargs = "execute_complete", {}
        session.add(HITLDetail(ti_id=ti.id, options=["Approve", "Reject"], subject="Deploy?", params={}))
        session.merge(ti)
        ti_id = ti.id
    yield {"ti_id": ti_id, "batch_id": batch_id}


def hitl_state(ti_id: Any) -> tuple[Any, Any, Any]:
    """``(task instance state, chosen_options, responded_by)`` as the database holds them."""
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        ti = session.get(TaskInstance, ti_id)
        record = session.get(HITLDetail, ti_id)
        return str(ti.state), record.chosen_options, record.responded_by
