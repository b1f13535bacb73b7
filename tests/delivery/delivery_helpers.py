"""Helpers for the delivery tests: send through the hook (real HTTP), run a DAG, read its results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.hooks.every8d import Every8dHook

REPO_ROOT = Path(__file__).parents[2]

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100


def numbers(count: int, start: int = 0) -> list[str]:
    """Test numbers 0900xxxxxx (never a real phone) that reach a final status: the emulator's outcome
    comes from the last three digits, so ...998/...999 (reply, never final) are skipped."""
    found: list[str] = []
    n = start
    while len(found) < count:
        if n % 1000 < 998:
            found.append(f"0900{n:06d}")
        n += 1
    return found


def expected_statuses(recipients: list[str]) -> dict[str, int]:
    """The ``by_status`` the emulator's outcome table gives these numbers once final."""
    counts: dict[str, int] = {}
    for number in recipients:
        code = int(number[-3:]) if 101 <= int(number[-3:]) <= 107 else 100
        counts[str(code)] = counts.get(str(code), 0) + 1
    return dict(sorted(counts.items(), key=lambda item: int(item[0])))


def send(hook: Every8dHook, recipients: list[str], message: str = "delivery test") -> str:
    return hook.send_sms(message, recipients).batch_id


def status_polls(emu: Every8dEmulator) -> int:
    return sum(1 for r in emu.requests if r.endpoint in ("getDeliveryStatus", "MMS/getDeliveryStatus"))


def use_connection(monkeypatch: pytest.MonkeyPatch, emu: Every8dEmulator, **extra: Any) -> None:
    """Point every8d_default at ``emu`` with connection extras (e.g. a short ``timeout``)."""
    conn = json.loads(emu.connection_json())
    conn["extra"] = extra
    monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", json.dumps(conn))


def register(dag: Any) -> None:
    """Write a DAG defined in a test into the metadata DB: dag.test() only runs serialized DAGs."""
    import airflow

    if airflow.__version__.startswith("2."):  # Airflow 2's dag.test() runs the DAG object itself
        return
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db

    DagBundlesManager().sync_bundles_to_db()
    bag = DagBag(dag_folder="/nonexistent")
    bag.bag_dag(dag)
    sync_bag_to_db(bag, "dags-folder", None)


def run_dag(dag: Any, **test_kwargs: Any) -> dict[str, Any]:
    """``dag.test()`` and return ``{task_id: task instance}`` of the run."""
    register(dag)
    if "logical_date" in test_kwargs and __import__("airflow").__version__.startswith("2."):
        test_kwargs["execution_date"] = test_kwargs.pop("logical_date")  # Airflow 2's name for it
    dag_run = dag.test(**test_kwargs)
    return {ti.task_id: ti for ti in dag_run.get_task_instances()}


def xcom(dag_id: str, run_id: str, task_id: str) -> Any:
    try:
        from airflow.models.xcom import XComModel
    except ImportError:  # Airflow 2
        from airflow.models.xcom import XCom

        return XCom.get_one(dag_id=dag_id, run_id=run_id, task_id=task_id, key="return_value")
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.query(XComModel).filter_by(dag_id=dag_id, run_id=run_id, task_id=task_id,
                                                 key="return_value").one_or_none()
        return None if row is None else XComModel.deserialize_value(row)


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
