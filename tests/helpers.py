"""Helpers shared by the tests: test numbers, sending and counting on the emulator, running a DAG with
dag.test() and reading its task instances and XComs.

Importable without Airflow (the pure unit tests use ``numbers``): Airflow is imported inside the functions.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

    from airflow_provider_every8d.emulator import Every8dEmulator
    from airflow_provider_every8d.hooks.every8d import Every8dHook

REPO_ROOT = Path(__file__).parents[1]

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100

FAILING_ENDINGS = frozenset(range(101, 108))
"""The emulator gives a number ending in 101 ... 107 that carrier failure code."""
RESERVED_ENDINGS = FAILING_ENDINGS | {998, 999}
"""... and one ending in 998 a reply, one in 999 never a final status (docs/emulator.md)."""

SEND_KEYS = {"batch_ids", "sent", "cost", "unsent", "credit", "filtered"}
"""The keys of the send operators' XCom."""


def numbers(count: int, start: int = 1, *, failures: bool = False) -> list[str]:
    """``count`` distinct test numbers ``0900000xxx`` counted up from ``start``, never a real phone.

    The emulator delivers them normally: the reserved endings are skipped (with ``failures=True`` the
    carrier-failure endings 101 ... 107 are kept, for tests that count failed deliveries). Bulk tests that
    need more numbers than the 0900000xxx block holds continue in the same test range (0900001xxx, ...).
    """
    skipped = RESERVED_ENDINGS - FAILING_ENDINGS if failures else RESERVED_ENDINGS
    found = (f"0900{i:06d}" for i in itertools.count(start) if i % 1000 not in skipped)
    return list(itertools.islice(found, count))


def expected_statuses(recipients: list[str]) -> dict[str, int]:
    """The ``by_status`` the emulator's outcome table gives these numbers once final."""
    counts: dict[str, int] = {}
    for number in recipients:
        code = str(int(number[-3:]) if int(number[-3:]) in FAILING_ENDINGS else 100)
        counts[code] = counts.get(code, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: int(item[0])))


def send(hook: Every8dHook, recipients: list[str], message: str = "delivery test") -> str:
    """An SMS sent through the hook (real HTTP); its batch id."""
    return hook.send_sms(message, recipients).batch_id


def status_polls(emu: Every8dEmulator) -> int:
    """Delivery status queries (2.2, 2.3) the emulator received."""
    return sum(1 for r in emu.requests if r.endpoint in ("getDeliveryStatus", "MMS/getDeliveryStatus"))


def send_requests(emu: Every8dEmulator) -> int:
    """Send requests (1.1, 1.3, 1.4) the emulator received."""
    return sum(1 for r in emu.requests if r.endpoint and r.endpoint.lower().startswith("sendsms"))


def use_connection(monkeypatch: pytest.MonkeyPatch, emu: Every8dEmulator, **extra: Any) -> None:
    """Point every8d_default at ``emu`` with connection extras (e.g. a short ``timeout``)."""
    conn = json.loads(emu.connection_json())
    conn["extra"] = extra
    monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", json.dumps(conn))


class DictStore:
    """The two methods of task_state_store the operator uses, in memory (for runs outside a task runner);
    values go through JSON as they do in Airflow's store."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any, *, retention: Any = None) -> None:
        self.values[key] = json.loads(json.dumps(value))


def airflow_2() -> bool:
    return bool(__import__("airflow").__version__.startswith("2."))


def has_task_state_store() -> bool:
    """Airflow 3.3 and later keep task_state_store across retries."""
    from packaging.version import Version

    return Version(__import__("airflow").__version__) >= Version("3.3.0")


def register(dag: Any) -> None:
    """Write a DAG defined in a test into the metadata DB: Airflow 3's dag.test() runs serialized DAGs only
    (Airflow 2's runs the DAG object itself)."""
    if airflow_2():
        return
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db

    DagBundlesManager().sync_bundles_to_db()
    bag = DagBag(dag_folder="/nonexistent")
    bag.bag_dag(dag)
    sync_bag_to_db(bag, "dags-folder", None)


def run_dag(dag: Any, **test_kwargs: Any) -> Any:
    """One DAG run in-process with ``dag.test(**test_kwargs)`` (deferred triggers inline, retries honoured);
    returns the DagRun."""
    register(dag)
    if "logical_date" in test_kwargs and airflow_2():
        test_kwargs["execution_date"] = test_kwargs.pop("logical_date")  # Airflow 2's name for it
    return dag.test(**test_kwargs)


def task_instance(dag_run: Any, task_id: str, map_index: int = -1) -> Any:
    return dag_run.get_task_instance(task_id, map_index=map_index)


def xcom(dag_run: Any, task_id: str, map_index: int = -1) -> Any:
    """The return value a task pushed in this run (deserialised as a downstream task would see it)."""
    from airflow.utils.session import create_session

    try:
        from airflow.models.xcom import XComModel
    except ImportError:  # Airflow 2
        from airflow.models.xcom import XCom

        return XCom.get_one(dag_id=dag_run.dag_id, run_id=dag_run.run_id, task_id=task_id, map_index=map_index,
                            key="return_value")
    with create_session() as session:
        row = session.query(XComModel).filter_by(dag_id=dag_run.dag_id, run_id=dag_run.run_id, task_id=task_id,
                                                 map_index=map_index, key="return_value").one_or_none()
        assert row is not None, f"no XCom from {task_id}[{map_index}]"
        return XComModel.deserialize_value(row)


def load_example(name: str, fast: dict[str, float] | None = None) -> Any:
    """Import ``example_dags/<name>.py`` as the scheduler would and return its ``dag``; ``fast`` shortens
    the named tasks' poke intervals for the test."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "example_dags" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for task_id, interval in (fast or {}).items():
        module.dag.task_dict[task_id].poke_interval = interval
    return module.dag


class ClockDriver:
    """Advance the emulator's clock by ``step`` seconds after each new status poll (a background thread),
    so a batch progresses over several polls without real waiting."""

    def __init__(self, emu: Every8dEmulator, step: float) -> None:
        import threading

        self.emu, self.step = emu, step
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        seen = 0
        while not self._stop.wait(0.005):
            polls = status_polls(self.emu)
            if polls > seen:
                seen = polls
                self.emu.advance(self.step)

    def __enter__(self) -> ClockDriver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)


class Failures:
    """An ``on_failure_callback`` that keeps each failed task's exception text (dag.test runs in-process)."""

    def __init__(self) -> None:
        self.messages: dict[str, str] = {}

    def __call__(self, context: Any) -> None:
        self.messages[context["ti"].task_id] = str(context.get("exception"))
