"""The production-shaped deployment (tests/deployment/conftest.py) runs the example DAGs end to end.

It proves what inline ``dag.test()`` cannot: the send runs on a Celery worker, the wait is handed to a
separate triggerer process (which polls over httpx), and a failing task's notifier texts the on-call from
the task's own process. Run by ``make deployment-test`` (part of ``make test``); bounded in time, and every
process it started is stopped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from tests.harness.deployment import Deployment

pytestmark = pytest.mark.deployment
RUN_TIMEOUT = 120.0


def test_send_runs_on_a_worker_and_the_wait_in_a_triggerer(deployment: Deployment,
                                                             emulator: Every8dEmulator) -> None:
    run_id = deployment.trigger("every8d_quickstart")
    assert deployment.wait_run("every8d_quickstart", run_id, RUN_TIMEOUT) == "success"
    sent = [m for m in emulator.messages if m.text == "Order A-1024 has shipped. Thank you!"
            and m.mobile in ("+886900000001", "+886900000002", "+886900000103")]
    assert sorted(m.mobile[-3:] for m in sent) == ["001", "002", "103"]
    pollers = {r.headers.get("User-Agent", "").rsplit(" ", 1)[-1] for r in emulator.requests
               if r.endpoint == "getDeliveryStatus"}
    assert "(httpx)" in pollers  # the wait ran in a triggerer (the async client)
    rows = dict(deployment.query("SELECT task_id, hostname FROM task_instance WHERE run_id = :run", run=run_id))
    assert rows["send"] in ("worker-1", "worker-2")
    (value,) = deployment.query("SELECT value FROM xcom WHERE run_id = :run AND task_id = 'wait_for_delivery' "
                                "AND key = 'return_value'", run=run_id)[0]
    summary = value if isinstance(value, dict) else json.loads(value)
    assert summary == {"total": 3, "delivered": 2, "failed": 1, "cancelled": 0, "by_status": {"100": 2, "103": 1}}


def test_a_failing_task_texts_the_on_call(deployment: Deployment, emulator: Every8dEmulator) -> None:
    before = len(emulator.messages)
    run_id = deployment.trigger("example_every8d_alerting", {"fail": True})
    assert deployment.wait_run("example_every8d_alerting", run_id, RUN_TIMEOUT) == "failed"
    alerts = deployment.wait("the on-call SMS", lambda: [
        m for m in emulator.messages[before:] if m.text.startswith("example_every8d_alerting:")] or None, 30)
    assert sorted(m.mobile[-3:] for m in alerts) == ["001", "002"]
    assert all("load_orders failed" in m.text for m in alerts)


def test_no_process_logged_the_password(deployment: Deployment) -> None:
    logs = list(Path(deployment.home).rglob("*.log"))
    assert len(logs) > 8  # every component's log and the task logs
    for log in logs:
        assert "demo-password" not in log.read_text(errors="replace"), log
