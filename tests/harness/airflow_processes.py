"""Real Airflow processes for deployment tests: an isolated AIRFLOW_HOME with SQLite, LocalExecutor, the
API server, scheduler, DAG processor and triggerer as subprocesses. Every wait is bounded and every process
is stopped by its process group, whatever happens."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from tests.harness.services import free_port, healthy  # noqa: F401  (healthy: imported from here by tests)

REPO = Path(__file__).parents[2]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
DEADLINE = 120.0
_T = TypeVar("_T")


def wait_for(what: str, probe: Callable[[], _T | None], deadline: float, logs: Path) -> _T:
    """Poll ``probe`` until it returns something truthy; past ``deadline`` fail with the processes' logs."""
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.5)
    tails = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}"
                      for log in sorted(logs.glob("*.log")))
    raise AssertionError(f"gave up waiting for {what}\n{tails}")


class Airflow:
    """An Airflow deployment made of processes started here, with an isolated environment."""

    def __init__(self, home: Path, dag_files: Iterable[str], env: Mapping[str, str] | None = None) -> None:
        self.home = home
        self.port = free_port()
        dags = home / "dags"
        dags.mkdir(parents=True)
        for name in dag_files:
            shutil.copy(REPO / "example_dags" / name, dags)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "2",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API_AUTH__JWT_SECRET": "every8d-e2e-jwt-secret",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            **(env or {}),
        }
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self, *args: str) -> str:
        done = subprocess.run([AIRFLOW, *args], env=self.env, check=True, capture_output=True, timeout=DEADLINE)
        return done.stdout.decode(errors="replace")

    def start(self, name: str, *args: str) -> None:
        log = (self.home / f"{name}.log").open("wb")
        self.processes.append(subprocess.Popen(
            [AIRFLOW, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))

    def start_all(self, *components: str) -> None:
        """``airflow db migrate``, then the API server and the given components (scheduler, triggerer ...)."""
        self.run("db", "migrate")
        self.start("api-server", "api-server", "--port", str(self.port), "--host", "127.0.0.1", "--workers", "1")
        for component in components:
            self.start(component, component)

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

    def run_state(self, dag_id: str) -> str | None:
        rows = self.query("SELECT state FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", dag_id)
        return rows[0][0] if rows else None
