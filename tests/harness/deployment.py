"""A production-shaped Airflow 3 deployment made of processes: PostgreSQL, Redis, CeleryExecutor, two API
servers, the scheduler, the DAG processor, two triggerers and two Celery workers.

    deployment = Deployment(home, dags=[...], env=emulator.connection_env())
    try:
        deployment.start()                     # bounded; names the component that did not come up
        deployment.kill("worker-1")            # kill -9 of its whole process group
        deployment.restart("worker-1")
    finally:
        deployment.stop()                      # every process it started, on failure too

Each component logs to ``<home>/<name>.log`` (kept after the test) and reports its name as the hostname
(``[core] hostname_callable``), so ``task_instance.hostname`` and ``job.hostname`` say which process it was.
Every wait is bounded; a wait that fails, or a component that died without being told to, raises
:class:`ComponentError` naming the component with the tail of its log.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from tests.harness.postgres import Postgres
from tests.harness.redis import Redis
from tests.harness.services import free_port, healthy, kill_group, log_tail, stop_group

REPO = Path(__file__).parents[2]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
START_TIMEOUT = 150.0
WORKER_CONCURRENCY = 4
_T = TypeVar("_T")


class ComponentError(AssertionError):
    """A component failed (did not start, died, or a wait on it timed out); names it, quotes its log."""


class Deployment:
    """The components, their environment and their processes."""

    def __init__(self, home: Path, dags: Iterable[Path], env: Mapping[str, str] | None = None) -> None:
        self.home = home
        self.dags = home / "dags"
        self.dags.mkdir(parents=True)
        for dag in dags:
            shutil.copy(dag, self.dags)
        self.api_ports = (free_port(), free_port())
        self.postgres = Postgres()
        self.redis = Redis()
        self.extra_env = dict(env or {})
        self.env: dict[str, str] = {}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.stopped: set[str] = set()
        self._log_offset: dict[str, int] = {}
        self._started_at: dict[str, datetime] = {}
        self._engine: Any = None

    # -- the components ------------------------------------------------------------------------------
    def commands(self) -> dict[str, list[str]]:
        api = [["api-server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"] for port in self.api_ports]
        worker = ["celery", "worker", "--concurrency", str(WORKER_CONCURRENCY), "--skip-serve-logs",
                  "--without-mingle", "--without-gossip"]
        return {
            "api-server-1": api[0], "api-server-2": api[1],
            "scheduler": ["scheduler"], "dag-processor": ["dag-processor"],
            "triggerer-1": ["triggerer", "--skip-serve-logs"], "triggerer-2": ["triggerer", "--skip-serve-logs"],
            "worker-1": [*worker, "--celery-hostname", "worker-1@localhost"],
            "worker-2": [*worker, "--celery-hostname", "worker-2@localhost"],
        }

    def api_url(self, number: int = 1) -> str:
        return f"http://127.0.0.1:{self.api_ports[number - 1]}"

    def _environment(self, database: str) -> dict[str, str]:
        sql = self.postgres.url("airflow")
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "tests"), os.environ.get("PYTHONPATH")])),
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database,
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__PARALLELISM": "32",
            "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "32",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "harness.hostname.component",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url(1)}/execution/",
            "AIRFLOW__API__BASE_URL": self.api_url(1),  # what users and triggerers reach (a proxy in production)
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API_AUTH__JWT_SECRET": "every8d-deployment-jwt-secret",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CELERY__BROKER_URL": self.redis.url,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + sql,
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(WORKER_CONCURRENCY),
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "3",
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
            "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "8",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            **self.extra_env,
        }

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> None:
        """PostgreSQL, Redis, ``airflow db migrate``, then every component; returns once all are ready."""
        self.postgres.start()
        self.env = self._environment(self.postgres.create_database("airflow"))
        self.redis.start()
        self.run("db", "migrate", timeout=START_TIMEOUT)
        for name in self.commands():
            self.start_component(name)
        deadline = time.monotonic() + START_TIMEOUT
        for name in self.commands():
            self.wait_ready(name, deadline)

    def start_component(self, name: str) -> None:
        path = self.home / f"{name}.log"
        self._log_offset[name] = path.stat().st_size if path.exists() else 0
        self._started_at[name] = datetime.now(timezone.utc)
        log = path.open("ab")
        self.processes[name] = subprocess.Popen(
            [AIRFLOW, *self.commands()[name]], env={**self.env, "EVERY8D_COMPONENT": name},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.stopped.discard(name)

    def wait_ready(self, name: str, deadline: float) -> None:
        self.wait(f"{name} to be ready", lambda: self.ready(name), deadline - time.monotonic(), component=name)

    def ready(self, name: str) -> bool:
        if name.startswith("api-server"):
            return healthy(f"{self.api_url(int(name[-1]))}/api/v2/monitor/health")
        if name.startswith("worker"):  # what this start logged, not an earlier start of the same worker
            return b" ready." in (self.home / f"{name}.log").read_bytes()[self._log_offset[name]:]
        job_type = {"scheduler": "SchedulerJob", "dag-processor": "DagProcessorJob"}.get(name, "TriggererJob")
        return bool(self.query("SELECT 1 FROM job WHERE job_type = :type AND hostname = :name AND state = 'running' "
                               "AND start_date >= :since", type=job_type, name=name, since=self._started_at[name]))

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """``kill -9`` (or ``sig``) to the component's whole process group: the process and its children."""
        process = self.processes[name]
        self.stopped.add(name)
        os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def restart(self, name: str, timeout: float = START_TIMEOUT) -> None:
        if self.processes[name].poll() is None:
            self.stopped.add(name)
            stop_group(self.processes[name])
        self.start_component(name)
        self.wait_ready(name, time.monotonic() + timeout)

    def recover(self, since: datetime, timeout: float = START_TIMEOUT) -> list[str]:
        """After an outage that ended at ``since``: wait until every component either shows it is working
        again (a job heartbeat after ``since``, a healthy API server, a live worker) or has died, restart the
        dead ones and wait until they are ready; their names."""
        restarted: list[str] = []
        pending = set(self.processes)
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for name in sorted(pending):
                if self.processes[name].poll() is not None and name not in self.stopped:
                    self.start_component(name)
                    restarted.append(name)
                    pending.discard(name)
                elif self._working_since(name, since):
                    pending.discard(name)
            time.sleep(0.5)
        if pending:
            raise ComponentError(f"{', '.join(sorted(pending))}: neither working nor dead {timeout:.0f}s after the "
                                 f"outage\n{self.logs(sorted(pending))}")
        for name in restarted:
            self.wait_ready(name, deadline + timeout)
        return restarted

    def _working_since(self, name: str, since: datetime) -> bool:
        if name.startswith("api-server"):
            return healthy(f"{self.api_url(int(name[-1]))}/api/v2/monitor/health")
        if name.startswith("worker"):
            return self.processes[name].poll() is None
        return bool(self.query("SELECT 1 FROM job WHERE hostname = :name AND state = 'running' "
                               "AND latest_heartbeat > :since", name=name, since=since))

    def stop(self) -> None:
        """Stop every component (SIGTERM, then SIGKILL), then Redis and PostgreSQL; never raises midway."""
        self.stopped.update(self.processes)
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                kill_group(process)
        if self._engine is not None:
            self._engine.dispose()
        self.redis.stop()
        self.postgres.stop()

    # -- looking ---------------------------------------------------------------------------------------
    def run(self, *args: str, timeout: float = 120.0) -> str:
        done = subprocess.run([AIRFLOW, *args], env=self.env, capture_output=True, timeout=timeout, check=False)
        if done.returncode:
            raise ComponentError(f"airflow {' '.join(args)} exited {done.returncode}:\n"
                                 f"{done.stderr.decode(errors='replace')[-3000:]}")
        return done.stdout.decode(errors="replace")

    def query(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        """Rows from the metadata database (PostgreSQL); [] while it is away or the table is not there yet."""
        import sqlalchemy as sa

        if self._engine is None:
            self._engine = sa.create_engine(self.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], pool_pre_ping=True)
        try:
            with self._engine.connect() as connection:
                return [tuple(row) for row in connection.execute(sa.text(sql), params)]
        except sa.exc.OperationalError:
            return []
        except sa.exc.ProgrammingError:
            return []

    def dead(self) -> list[str]:
        """Components that exited without being told to."""
        return [name for name, process in self.processes.items()
                if name not in self.stopped and process.poll() is not None]

    def wait(self, what: str, probe: Callable[[], _T | None], timeout: float, component: str = "",
             allow_dead: bool = False) -> _T:
        """Poll ``probe`` (every 0.5 s) until truthy; a component dying (unless ``allow_dead``: an outage
        the test caused) or ``timeout`` raises ComponentError naming the component (``component``, or every
        one) with its log's tail."""
        deadline = time.monotonic() + timeout
        while True:
            dead = [] if allow_dead else self.dead()
            if dead:
                raise ComponentError(f"{', '.join(dead)} died while waiting for {what}\n{self.logs(dead)}")
            result = probe()
            if result:
                return result
            if time.monotonic() > deadline:
                names = [component] if component else list(self.processes)
                raise ComponentError(f"{component or 'deployment'}: gave up after {timeout:.0f}s waiting for "
                                     f"{what}\n{self.logs(names)}")
            time.sleep(0.5)

    def logs(self, names: Iterable[str], size: int = 2500) -> str:
        return "\n".join(f"--- {name} ({self.home / f'{name}.log'})\n{log_tail(self.home / f'{name}.log', size)}"
                         for name in names)

    # -- DAG runs ------------------------------------------------------------------------------------------
    def trigger(self, dag_id: str, conf: Mapping[str, Any] | None = None, api: int = 1) -> str:
        """Start a run through the REST API of API server ``api`` (everyone is admin here); its run id."""
        run_id = f"{dag_id}-{time.time_ns()}"
        body = json.dumps({"dag_run_id": run_id, "logical_date": None, "conf": dict(conf or {})}).encode()
        request = urllib.request.Request(f"{self.api_url(api)}/api/v2/dags/{dag_id}/dagRuns", data=body,
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status != 200:
                raise ComponentError(f"api-server-{api}: triggering {dag_id} answered {response.status}")
        return run_id

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        rows = self.query("SELECT state FROM dag_run WHERE dag_id = :dag AND run_id = :run", dag=dag_id, run=run_id)
        return rows[0][0] if rows else None

    def wait_run(self, dag_id: str, run_id: str, timeout: float) -> str:
        """Wait until the run finished; its state."""
        return self.wait(f"run {dag_id}/{run_id} to finish", lambda: _final(self.run_state(dag_id, run_id)), timeout)

    def wait_parsed(self, dag_ids: Iterable[str], timeout: float) -> None:
        wanted = set(dag_ids)
        self.wait(f"DAGs {sorted(wanted)} to be parsed", lambda: wanted <= {
            row[0] for row in self.query("SELECT dag_id FROM dag WHERE is_stale IS NOT TRUE")}, timeout,
            component="dag-processor")


def _final(state: str | None) -> str | None:
    return state if state in ("success", "failed") else None
