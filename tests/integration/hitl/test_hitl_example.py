"""The deploy-approval example DAG under dag.test(): approved by an SMS reply, the deploy runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).parents[3] / "example_dags" / "example_every8d_deploy_approval.py"


def _load() -> Any:
    spec = importlib.util.spec_from_file_location("example_every8d_deploy_approval", EXAMPLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.dag.get_task("approve_deploy").poll_interval = 0.2
    return module.dag


def test_deploy_approved_by_sms_runs_the_deploy(every8d_airflow: Any) -> None:
    every8d_airflow.emulator.reply_after("0900000022", "1", delay=0.2)
    result = every8d_airflow.run(_load())
    assert result.task_states == {"build": "success", "approve_deploy": "success", "deploy": "success"}
    texts = [message.text for message in every8d_airflow.emulator.messages]
    assert len(texts) == 2
    assert texts[0].startswith("Deploy v2.3 to prod? Build release-v2.3.tar.gz passed its checks. 1 Approve, "
                               "2 Reject: reply with the number")
    assert result.xcom("approve_deploy")["responded_by_user"]["name"] == "0900***022 (SMS)"
