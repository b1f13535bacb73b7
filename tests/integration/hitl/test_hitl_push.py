"""A STATUS=999 push through the receiver (Airflow's real API app, in-process) answers a HITL request that
waits in the triggerer: the record names the masked number, the task is resumed at once; a push the
platform's reply list does not confirm, or from a number not allowed, changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pendulum
import pytest

from airflow_provider_every8d.constants import HITL_TRIGGER_CLASSPATH
from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.hooks.every8d import Every8dHook
from airflow_provider_every8d.operators.hitl import Every8dApprovalOperator
from tests.harness.receiver import TOKEN, api_app, client, push_token, report  # noqa: F401
from tests.helpers import register

APPROVER, STRANGER = "0900000021", "0900000031"


@pytest.fixture(params=[True], ids=["in-a-triggerer"])
def waiting(request: pytest.FixtureRequest, airflow_db: Any,
            every8d_emulator: Every8dEmulator) -> Iterator[dict[str, Any]]:
    """A run whose approval task is deferred on the HITL trigger, its question texted in a real batch; the
    trigger runs in a triggerer unless the param says False (the task deferred moments ago)."""
    from airflow.models.hitl import HITLDetail
    from airflow.models.serialized_dag import SerializedDagModel
    from airflow.models.trigger import Trigger
    from airflow.providers.common.compat.sdk import DAG
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState, TaskInstanceState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType

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


def _state(ti_id: Any) -> tuple[Any, Any, Any]:
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        ti = session.get(TaskInstance, ti_id)
        record = session.get(HITLDetail, ti_id)
        return str(ti.state), record.chosen_options, record.responded_by


def _push(client: Any, batch_id: str, mobile: str, text: str) -> None:  # noqa: F811
    query = report("demo", BatchID=batch_id, RM="+886" + mobile[1:], STATUS="999", SM=text)
    response = client.get(f"/every8d/push/{TOKEN}", params=query)
    assert response.status_code == 200, response.text


def test_a_confirmed_reply_push_answers_and_resumes(client: Any, waiting: dict,  # noqa: F811
                                                     every8d_emulator: Every8dEmulator) -> None:
    every8d_emulator.inject_reply(waiting["batch_id"], APPROVER, "１")
    _push(client, waiting["batch_id"], APPROVER, "１")
    state, chosen, responded_by = _state(waiting["ti_id"])
    assert (state, chosen) == ("scheduled", ["Approve"])
    assert responded_by == {"id": "every8d-sms:0900***021", "name": "0900***021 (SMS)"}


def test_a_push_the_reply_list_does_not_hold_changes_nothing(client: Any, waiting: dict) -> None:  # noqa: F811
    _push(client, waiting["batch_id"], APPROVER, "1")  # forged: the platform has no such reply
    assert _state(waiting["ti_id"]) == ("deferred", None, None)


def test_a_push_from_a_number_not_allowed_changes_nothing(client: Any, waiting: dict,  # noqa: F811
                                                          every8d_emulator: Every8dEmulator) -> None:
    every8d_emulator.inject_reply(waiting["batch_id"], STRANGER, "1")
    _push(client, waiting["batch_id"], STRANGER, "1")
    assert _state(waiting["ti_id"]) == ("deferred", None, None)


@pytest.mark.parametrize("waiting", [False], ids=["not-yet-in-a-triggerer"], indirect=True)
def test_a_push_before_a_triggerer_runs_the_wait_leaves_the_resume_to_the_trigger(
        client: Any, waiting: dict, every8d_emulator: Every8dEmulator) -> None:  # noqa: F811
    """Resuming a task that deferred moments ago can meet Airflow 3.3.2's stale defer-exit race
    (apache/airflow#72716): the answer is recorded, and the trigger ends with it when it starts."""
    every8d_emulator.inject_reply(waiting["batch_id"], APPROVER, "1")
    _push(client, waiting["batch_id"], APPROVER, "1")
    state, chosen, responded_by = _state(waiting["ti_id"])
    assert (state, chosen, responded_by["name"]) == ("deferred", ["Approve"], "0900***021 (SMS)")
