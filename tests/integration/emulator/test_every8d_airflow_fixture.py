"""The ``every8d_airflow`` fixture as a DAG author meets it: the docs' example, run by pytest in a folder
of its own with no Airflow home set, and the fixture's run/XCom/state helpers on both Airflow lines."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import airflow
import pytest
from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator

EXAMPLE = Path(__file__).parents[3] / "docs" / "examples" / "test_order_sms.py"


@pytest.mark.skipif(airflow.__version__.startswith("2."), reason="the docs' example imports airflow.sdk (Airflow 3)")
def test_the_docs_example_passes_in_a_new_folder_without_an_airflow_home(tmp_path: Path) -> None:
    project, home = tmp_path / "project", tmp_path / "home"
    project.mkdir()
    home.mkdir()
    shutil.copy(EXAMPLE, project)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")} | {"HOME": str(home)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout
    assert not (home / "airflow").exists()  # the throwaway home was used, not ~/airflow


def test_run_reports_states_and_xcoms_of_a_failing_run(every8d_airflow) -> None:
    with DAG("fixture_failing_run", schedule=None, start_date=datetime(2025, 1, 1), catchup=False) as dag:
        send = Every8dSendSmsOperator(task_id="send", message="hello", recipients="0900000001")

        @task
        def explode(sent: dict) -> None:
            raise RuntimeError(f"after {sent['sent']} sent")

        explode(send.output)

    run = every8d_airflow.run(dag)
    assert run.state == "failed"
    assert run.task_states == {"send": "success", "explode": "failed"}
    assert run.xcom("send")["sent"] == 1
    assert run.xcom("explode") is None
    assert every8d_airflow.emulator.sent_count("0900000001") == 1
