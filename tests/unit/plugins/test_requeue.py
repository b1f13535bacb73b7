"""requeue.py writes Airflow's asset_dag_run_queue table: it runs only on the versions it was tested on."""

from __future__ import annotations

import pytest

pytest.importorskip("airflow.models.asset", reason="the push receiver needs Airflow 3")

from airflow_provider_every8d.plugins.requeue import version_tested


@pytest.mark.parametrize(("version", "tested"), [
    ("3.3.2", True),
    ("3.3.0", True),
    ("3.3.10rc1", True),
    ("3.4.0", False),
    ("3.2.1", False),
    ("2.11.2", False),
    ("4.0.0", False),
    ("3", False),
    ("x.y", False),
])
def test_requeue_runs_only_on_tested_airflow_versions(version: str, tested: bool) -> None:
    assert version_tested(version) is tested
