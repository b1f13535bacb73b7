"""End to end: the emulator pushes to a real ``airflow api-server``, and the scheduler runs the asset-scheduled
example DAG. Separate processes (api-server, scheduler, dag-processor) on an isolated AIRFLOW_HOME with SQLite;
every wait is bounded and every process is stopped, whatever happens.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from conftest import TOKEN

from airflow_provider_every8d.emulator import Every8dEmulator

REPO = Path(__file__).parents[2]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
DEADLINE = 120.0
_T = TypeVar("_T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, probe: Callable[[], _T | None], deadline: float, logs: Path) -> _T:
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.5)
    tails = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}"
                      for log in sorted(logs.glob("*.log")))
    raise AssertionError(f"gave up waiting for {what}\n{tails}")


class Airflow:
    """Processes started here with an isolated environment; ``stop()`` ends each one by its process group."""

    def __init__(self, home: Path, port: int) -> None:
        self.home = home
        dags = home / "dags"
        dags.mkdir(parents=True)
        shutil.copy(REPO / "example_dags" / "example_every8d_push.py", dags)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "2",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API_AUTH__JWT_SECRET": "every8d-e2e-jwt-secret",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__EVERY8D__PUSH_TOKEN": TOKEN,
            "EVERY8D_PUSH_UID": "demo",
        }
        self.processes: list[subprocess.Popen[bytes]] = []

    def run(self, *args: str) -> None:
        subprocess.run([AIRFLOW, *args], env=self.env, check=True, capture_output=True, timeout=DEADLINE)

    def start(self, name: str, *args: str) -> None:
        log = (self.home / f"{name}.log").open("wb")
        self.processes.append(subprocess.Popen(
            [AIRFLOW, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        try:
            with sqlite3.connect(self.home / "airflow.db", timeout=5) as db:
                return db.execute(sql, params).fetchall()
        except sqlite3.OperationalError:  # table not there yet, or locked for a moment
            return []


@pytest.fixture
def airflow(tmp_path: Path) -> Iterator[Airflow]:
    port = free_port()
    instance = Airflow(tmp_path / "home", port)
    instance.run("db", "migrate")
    try:
        instance.start("api-server", "api-server", "--port", str(port), "--host", "127.0.0.1", "--workers", "1")
        instance.start("dag-processor", "dag-processor")
        instance.start("scheduler", "scheduler")
        yield instance
    finally:
        instance.stop()


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_emulator_push_triggers_the_asset_scheduled_dag(airflow: Airflow, monkeypatch: pytest.MonkeyPatch) -> None:
    deadline = time.monotonic() + DEADLINE
    base = f"http://127.0.0.1:{airflow.env['AIRFLOW__API__PORT']}"
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
