"""The notifier inside real DAG runs (dag.test()) and as a Deadline Alert callback in the triggerer."""

from __future__ import annotations

import asyncio
import re
import runpy
from datetime import datetime
from typing import Any

import pytest
from airflow import __version__ as AIRFLOW_VERSION
from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_every8d.notifications.every8d import Every8dNotifier
from tests.helpers import REPO_ROOT, register

AIRFLOW_3 = int(AIRFLOW_VERSION.split(".")[0]) >= 3
EXAMPLES = REPO_ROOT / "example_dags"


def dag_from(path: str, dag_id: str) -> Any:
    for value in runpy.run_path(str(EXAMPLES / path)).values():
        if isinstance(value, DAG) and value.dag_id == dag_id:
            return value
    raise LookupError(f"{dag_id} not defined in {path}")


def test_a_failing_task_texts_the_on_call(airflow_db, every8d_emulator) -> None:
    with DAG("every8d_notifier_test", schedule=None, start_date=datetime(2025, 1, 1), catchup=False) as dag:

        @task(on_failure_callback=Every8dNotifier(recipients="0900000007"), retries=0)
        def load_orders() -> None:
            raise RuntimeError("warehouse unreachable")

        load_orders()

    register(dag)
    run = dag.test()
    assert str(run.state).endswith("failed")
    (message,) = every8d_emulator.messages
    assert message.mobile == "+886900000007"
    # 48 characters of DAG, task, event and try leave room for the time of day in 70; the run id is not sent
    assert re.fullmatch(r"Airflow: every8d_notifier_test\.load_orders failed \(try 1\) at \d\d:\d\d UTC",
                        message.text), message.text


def test_example_dag_sends_its_templated_alert_only_when_a_task_fails(airflow_db, every8d_emulator) -> None:
    dag = dag_from("example_every8d_alerting.py", "example_every8d_alerting")
    dag.test()
    assert every8d_emulator.messages == []
    run = dag.test(run_conf={"fail": True})
    assert str(run.state).endswith("failed")
    texts = {(m.mobile, m.text) for m in every8d_emulator.messages}
    assert {mobile for mobile, _ in texts} == {"+886900000001", "+886900000002"}
    (text,) = {text for _, text in texts}
    assert text == "example_every8d_alerting: load_orders failed (try 1)", text


def test_deadline_example_parses_everywhere() -> None:
    names = runpy.run_path(str(EXAMPLES / "example_every8d_deadline.py"))
    dags = [v for v in names.values() if isinstance(v, DAG)]
    assert [d.dag_id for d in dags] == (["example_every8d_deadline"] if names["DeadlineAlert"] else [])


@pytest.mark.skipif(not AIRFLOW_3, reason="Deadline Alerts and the triggerer's CallbackTrigger are Airflow 3 only")
def test_deadline_callback_runs_in_the_triggerer(every8d_emulator) -> None:
    pytest.importorskip("airflow.sdk", reason="no airflow.sdk")
    names = runpy.run_path(str(EXAMPLES / "example_every8d_deadline.py"))
    if names["DeadlineAlert"] is None:
        pytest.skip("this Airflow 3 has no Deadline Alerts (3.1+)")
    from airflow.triggers.callback import CallbackTrigger

    dag = dag_from("example_every8d_deadline.py", "example_every8d_deadline")
    (alert,) = dag.deadline if isinstance(dag.deadline, list) else [dag.deadline]
    # What the scheduler queues for the triggerer when the deadline is missed (airflow.models.deadline).
    context = {"dag_run": {"dag_id": dag.dag_id, "run_id": "scheduled__2025-01-02T00:00:00+00:00"},
               "deadline": {"id": "1", "deadline_time": "2025-01-02T00:30:00+00:00"}}
    trigger = CallbackTrigger(alert.callback.path, {**alert.callback.kwargs, "context": context})

    async def events() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    *_, last = asyncio.run(events())
    assert str(last["state"]).endswith("success"), last
    (message,) = every8d_emulator.messages
    assert message.mobile == "+886900000001"
    assert message.text == "example_every8d_deadline missed its deadline at 2025-01-02 00:30 UTC"
