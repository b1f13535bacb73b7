"""End to end: the emulator pushes to a real ``airflow api-server``, and the scheduler runs the asset-scheduled
example DAG. Separate processes (api-server, scheduler, dag-processor) on an isolated AIRFLOW_HOME with SQLite;
every wait is bounded and every process is stopped, whatever happens.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from tests.harness.airflow_processes import DEADLINE, Airflow, healthy, wait_for
from tests.harness.receiver import TOKEN


@pytest.fixture
def airflow(tmp_path: Path) -> Iterator[Airflow]:
    instance = Airflow(tmp_path / "home", ["example_every8d_push.py"],
                       {"AIRFLOW__EVERY8D__PUSH_TOKEN": TOKEN, "EVERY8D_PUSH_UID": "demo"})
    try:
        instance.start_all("dag-processor", "scheduler")
        yield instance
    finally:
        instance.stop()


@pytest.mark.deployment
def test_emulator_push_triggers_the_asset_scheduled_dag(airflow: Airflow, monkeypatch: pytest.MonkeyPatch) -> None:
    deadline = time.monotonic() + DEADLINE
    base = airflow.base_url
    wait_for("the API server", lambda: healthy(f"{base}/api/v2/monitor/health"), deadline, airflow.home)
    wait_for("the example DAGs and their assets", lambda: airflow.query(
        "SELECT count(*) FROM dag WHERE dag_id LIKE 'every8d_push_%' AND is_paused = 0 "
        "AND (SELECT count(*) FROM asset_active WHERE uri LIKE 'every8d://demo/%') = 2")[0][0] == 2,
        deadline, airflow.home)

    with Every8dEmulator(delivery_seconds=0.2, push_url=f"{base}/every8d/push/{TOKEN}") as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", emulator.connection_json())
        from airflow_provider_every8d.hooks.every8d import Every8dHook

        sent = Every8dHook().send_sms("Your order has shipped", ["0900000001", "0900000103", "0900000998"])
        pushes = wait_for("4 pushes answered 200", lambda: (p := emulator.wait_for_pushes(4, timeout=1)) and
                          len(p) >= 4 and p, deadline, airflow.home)
    assert {(p.params["RM"][-3:], p.params["STATUS"]) for p in pushes} == {
        ("001", "100"), ("103", "103"), ("998", "100"), ("998", "999")}

    def finished_runs(dag_id: str) -> list[tuple[Any, ...]]:
        runs = airflow.query("SELECT run_id, state, run_type FROM dag_run WHERE dag_id = ?", dag_id)
        return runs if runs and all(state in ("success", "failed") for _, state, _ in runs) else []

    def tallied() -> dict[str, int]:
        """Reports counted by the finished runs (events arriving apart may make several runs)."""
        merged: dict[str, int] = {}
        for (value,) in airflow.query(
                "SELECT value FROM xcom WHERE dag_id = 'every8d_push_tally' AND key = 'return_value'"):
            for status, count in json.loads(value).get(sent.batch_id, {}).items():
                merged[status] = merged.get(status, 0) + count
        return merged if finished_runs("every8d_push_tally") else {}

    expected = {"100": 2, "103": 1}
    wait_for("the three delivery reports tallied", lambda: tallied() == expected, deadline, airflow.home)
    replies = wait_for("a run of every8d_push_replies", lambda: finished_runs("every8d_push_replies"),
                       deadline, airflow.home)
    runs = finished_runs("every8d_push_tally") + replies
    assert {(state, run_type) for _, state, run_type in runs} == {("success", "asset_triggered")}
    assert airflow.query("SELECT count(*) FROM asset_event")[0][0] == 4
