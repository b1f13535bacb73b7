"""pytest plugin (entry point ``every8d``): fixtures for DAG authors' tests.

- ``every8d_emulator``: a fresh emulator per test (free port, delivery after 0.2 s by default), with
  Airflow's ``every8d_default`` connection pointed at it through ``AIRFLOW_CONN_EVERY8D_DEFAULT`` for the
  test's duration.
- ``every8d_airflow``: the same emulator plus a migrated Airflow metadata database, and ``run(dag)``, which
  registers the DAG the way the installed Airflow needs (Airflow 3 runs only serialized DAGs) and runs
  ``dag.test()``; the returned :class:`DagRunResult` has the run's state, each task's state and its XComs.

When pytest starts without ``AIRFLOW_HOME`` in the environment, the plugin points Airflow at a throwaway
home (SQLite, no example DAGs) for the session, before any test module imports Airflow, and deletes it at
the end; ``~/airflow`` is never touched. With ``AIRFLOW_HOME`` set (by you, or by a ``conftest.py``), that
home is used as it is, and ``every8d_airflow`` migrates its database.

Constructor arguments of the emulator can be given per test with a marker::

    @pytest.mark.every8d(credit=5, delivery_seconds=0)
    def test_low_credit(every8d_emulator): ...

The emulator speaks API 2.1 unless told otherwise; ``@pytest.mark.every8d(api_version="2.2")`` starts it in
2.2 mode (tokens, JSON reports, dry run, EventID) and points ``every8d_default`` at it with
``{"api_version": "2.2", "auth": "token"}`` in extra.
"""

from __future__ import annotations

import importlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .server import Every8dEmulator

DEFAULTS: dict[str, Any] = {"delivery_seconds": 0.2}
_THROWAWAY = pytest.StashKey[Path]()
_MIGRATED = pytest.StashKey[bool]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "every8d(**kwargs): arguments for the every8d_emulator fixture")
    if "AIRFLOW_HOME" in os.environ:
        return
    home = Path(tempfile.mkdtemp(prefix="every8d-pytest-airflow-"))
    (home / "dags").mkdir()
    config.stash[_THROWAWAY] = home
    os.environ.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    })


def pytest_unconfigure(config: pytest.Config) -> None:
    home = config.stash.get(_THROWAWAY, None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def every8d_emulator(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Every8dEmulator]:
    """A started ``Every8dEmulator``; ``AIRFLOW_CONN_EVERY8D_DEFAULT`` points at it."""
    marker = request.node.get_closest_marker("every8d")
    options = {**DEFAULTS, **(marker.kwargs if marker else {})}
    with Every8dEmulator(**options) as emulator:
        uid = next(iter(emulator.store.accounts))
        for name, value in emulator.connection_env(uid).items():
            monkeypatch.setenv(name, value)
        yield emulator


def _airflow_2() -> bool:
    import airflow

    return airflow.__version__.startswith("2.")


def _state(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


@dataclass(frozen=True)
class DagRunResult:
    """What ``every8d_airflow.run(dag)`` returns: the finished run, read back from the metadata database."""

    dag_id: str
    run_id: str
    state: str | None
    """``"success"`` or ``"failed"``."""
    task_states: dict[str, str | None]
    """Each task's final state by task id (``"success"``, ``"failed"``, ``"skipped"`` ...); a mapped task's
    instances as ``"task_id[0]"``, ``"task_id[1]"`` ..."""
    dag_run: Any
    """Airflow's own ``DagRun`` object, for anything else."""

    def xcom(self, task_id: str, key: str = "return_value", map_index: int = -1) -> Any:
        """The value a task pushed (its return value by default), deserialized; None if it pushed none."""
        if _airflow_2():
            from airflow.models.xcom import XCom

            return XCom.get_one(dag_id=self.dag_id, run_id=self.run_id, task_id=task_id, key=key,
                                map_index=map_index)
        from airflow.models.xcom import XComModel
        from airflow.utils.session import create_session

        with create_session() as session:
            row = session.query(XComModel).filter_by(dag_id=self.dag_id, run_id=self.run_id, task_id=task_id,
                                                     key=key, map_index=map_index).one_or_none()
            return None if row is None else XComModel.deserialize_value(row)


class Every8dAirflow:
    """The ``every8d_airflow`` fixture's value: ``emulator``, ``home`` and :meth:`run`."""

    def __init__(self, emulator: Every8dEmulator) -> None:
        self.emulator = emulator
        self.home = Path(os.environ["AIRFLOW_HOME"])

    @staticmethod
    def register(dag: Any) -> None:
        """Write ``dag`` into the metadata database as the DAG processor would (Airflow 3 only: its
        ``dag.test()`` runs serialized DAGs; Airflow 2's runs the DAG object itself)."""
        if _airflow_2():
            return
        from airflow.dag_processing.bundles.manager import DagBundlesManager

        DagBundlesManager().sync_bundles_to_db()
        try:
            dagbag: Any = importlib.import_module("airflow.dag_processing.dagbag")
        except ImportError:  # Airflow 3.0 and 3.1: DagBag in airflow.models, syncing on the bag itself
            old_bag: Any = importlib.import_module("airflow.models.dagbag").DagBag(
                dag_folder="/nonexistent", include_examples=False)
            old_bag.bag_dag(dag)
            old_bag.sync_to_db("dags-folder", None)
            return
        bag = dagbag.DagBag(dag_folder="/nonexistent")
        bag.bag_dag(dag)
        dagbag.sync_bag_to_db(bag, "dags-folder", None)

    def run(self, dag: Any, **test_kwargs: Any) -> DagRunResult:
        """Register ``dag``, run it with ``dag.test(**test_kwargs)`` (``run_conf=``, ``logical_date=`` ...),
        and return the finished run. A failing task does not raise: look at ``state`` and ``task_states``."""
        self.register(dag)
        if _airflow_2() and "logical_date" in test_kwargs:
            test_kwargs["execution_date"] = test_kwargs.pop("logical_date")  # Airflow 2's name for it
        dag_run = dag.test(**test_kwargs)
        states = {ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]": _state(ti.state)
                  for ti in dag_run.get_task_instances()}
        return DagRunResult(dag_id=dag_run.dag_id, run_id=dag_run.run_id, state=_state(dag_run.state),
                            task_states=states, dag_run=dag_run)


@pytest.fixture
def every8d_airflow(request: pytest.FixtureRequest, every8d_emulator: Every8dEmulator) -> Every8dAirflow:
    """A migrated Airflow metadata database (once per session), the emulator as ``every8d_default``, and
    ``run(dag)``: see :class:`Every8dAirflow`."""
    if not request.config.stash.get(_MIGRATED, False):
        from airflow.utils.db import initdb

        initdb()
        request.config.stash[_MIGRATED] = True
    return Every8dAirflow(every8d_emulator)
