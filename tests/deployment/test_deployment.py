"""A real Airflow 3 deployment: API server, scheduler, DAG processor and triggerer as processes
(LocalExecutor, SQLite), the emulator, and DAGs started with ``airflow dags trigger``.

It proves what inline ``dag.test()`` cannot: the send runs in a worker process, the wait is handed to the
separate triggerer process (which polls over httpx), and a failing task's notifier texts the on-call from
the task's own process. Run by ``make deployment-test`` (part of ``make test``); bounded in time, and every
process it started is stopped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness.airflow_processes import DEADLINE, Airflow, healthy, wait_for

from airflow_provider_every8d.emulator import Every8dEmulator

pytestmark = pytest.mark.deployment
airflow_sdk = pytest.importorskip("airflow.sdk", reason="the deployment test runs Airflow 3's components")


@pytest.fixture(scope="module")
def emulator() -> Iterator[Every8dEmulator]:
    with Every8dEmulator(delivery_seconds=6) as instance:
        yield instance


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory, emulator: Every8dEmulator) -> Iterator[Airflow]:
    instance = Airflow(tmp_path_factory.mktemp("deployment") / "home",
                       ["every8d_quickstart.py", "example_every8d_alerting.py"],
                       emulator.connection_env())
    try:
        instance.start_all("dag-processor", "scheduler", "triggerer")
        deadline = time.monotonic() + DEADLINE
        wait_for("the API server", lambda: healthy(f"{instance.base_url}/api/v2/monitor/health"), deadline,
                 instance.home)
        wait_for("the DAGs to be parsed", lambda: instance.query(
            "SELECT count(*) FROM dag WHERE dag_id IN ('every8d_quickstart', 'example_every8d_alerting')")[0][0] == 2,
            deadline, instance.home)
        yield instance
    finally:
        instance.stop()


def _finished(airflow: Airflow, dag_id: str) -> str | None:
    state = airflow.run_state(dag_id)
    return state if state in ("success", "failed") else None


def test_send_defers_to_the_triggerer_and_succeeds(airflow: Airflow, emulator: Every8dEmulator) -> None:
    airflow.run("dags", "trigger", "every8d_quickstart")
    state = wait_for("the quickstart run to finish", lambda: _finished(airflow, "every8d_quickstart"),
                     time.monotonic() + DEADLINE, airflow.home)
    assert state == "success"
    sent = [m for m in emulator.messages if m.mobile.endswith(("0001", "0002", "0103"))]
    assert sorted(m.mobile[-3:] for m in sent) == ["001", "002", "103"]
    # The wait ran in the triggerer process: status polls came from the async (httpx) client.
    pollers = {r.headers.get("User-Agent", "").rsplit(" ", 1)[-1] for r in emulator.requests
               if r.endpoint == "getDeliveryStatus"}
    assert "(httpx)" in pollers
    deferred = airflow.query("SELECT count(*) FROM task_instance WHERE dag_id = 'every8d_quickstart' "
                             "AND task_id = 'wait_for_delivery' AND state = 'success' AND try_number = 1")
    assert deferred[0][0] == 1
    (value,) = airflow.query("SELECT value FROM xcom WHERE dag_id = 'every8d_quickstart' "
                             "AND task_id = 'wait_for_delivery' AND key = 'return_value'")[0]
    assert json.loads(value) == {"total": 3, "delivered": 2, "failed": 1, "cancelled": 0,
                                 "by_status": {"100": 2, "103": 1}}


def test_a_failing_task_texts_the_on_call(airflow: Airflow, emulator: Every8dEmulator) -> None:
    before = len(emulator.messages)
    airflow.run("dags", "trigger", "example_every8d_alerting", "--conf", json.dumps({"fail": True}))
    state = wait_for("the alerting run to finish", lambda: _finished(airflow, "example_every8d_alerting"),
                     time.monotonic() + DEADLINE, airflow.home)
    assert state == "failed"
    alerts = wait_for("the on-call SMS", lambda: emulator.messages[before:] or None,
                      time.monotonic() + 30, airflow.home)
    assert sorted(m.mobile[-3:] for m in alerts) == ["001", "002"]
    assert all(m.text == "example_every8d_alerting: load_orders failed (try 1)" for m in alerts)


def test_no_process_logged_the_password(airflow: Airflow) -> None:
    for log in Path(airflow.home).rglob("*.log"):
        assert "demo-password" not in log.read_text(errors="replace"), log
