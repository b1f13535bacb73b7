"""Helpers for the operator tests: test numbers, running a DAG with dag.test() and reading its XComs."""

from __future__ import annotations

import itertools
from typing import Any

from airflow.providers.common.compat.sdk import DAG

RESERVED_ENDINGS = {*range(101, 108), 998, 999}
"""Emulator numbers ending in these get a failure, a reply or never finish (see the emulator's docs)."""


def numbers(count: int, start: int = 0) -> list[str]:
    """``count`` distinct test numbers (0900xxxxxx) that the emulator delivers normally."""
    found = (f"0900{i:06d}" for i in itertools.count(start) if i % 1000 not in RESERVED_ENDINGS)
    return list(itertools.islice(found, count))


AIRFLOW_2 = __import__("airflow").__version__.startswith("2.")


def has_task_state_store() -> bool:
    """Airflow 3.3 and later keep task_state_store across retries."""
    from packaging.version import Version

    return Version(__import__("airflow").__version__) >= Version("3.3.0")


def register(dag: DAG) -> None:
    """Write a DAG defined in a test into the metadata DB: Airflow 3's dag.test() runs serialized DAGs only."""
    if AIRFLOW_2:
        return
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db

    DagBundlesManager().sync_bundles_to_db()
    bag = DagBag(dag_folder="/nonexistent")
    bag.bag_dag(dag)
    sync_bag_to_db(bag, "dags-folder", None)


def run_dag(dag: DAG) -> Any:
    """Run one DAG run in-process (deferred triggers inline, retries honoured) and return the DagRun."""
    register(dag)
    return dag.test()


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


def load_example(name: str) -> Any:
    """Import ``example_dags/<name>.py`` as the scheduler would and return its ``dag``."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[2] / "example_dags" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.dag


SEND_KEYS = {"batch_ids", "sent", "cost", "unsent", "credit", "filtered"}


class DictStore:
    """The two methods of task_state_store the operator uses, in memory (for runs outside a task runner);
    values go through JSON as they do in Airflow's store."""

    def __init__(self) -> None:
        self.values: dict = {}

    def get(self, key: str, default=None):
        return self.values.get(key, default)

    def set(self, key: str, value, *, retention=None) -> None:
        import json

        self.values[key] = json.loads(json.dumps(value))


def send_requests(emu: Any) -> int:
    """Send requests (1.1, 1.3, 1.4) the emulator received."""
    return sum(1 for r in emu.requests if r.endpoint and r.endpoint.lower().startswith("sendsms"))
