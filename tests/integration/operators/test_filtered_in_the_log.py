"""The send's log line names which numbers the 24-hour duplicate filter dropped, masked."""

from __future__ import annotations

import logging
from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator


def test_filtered_numbers_are_listed_masked(every8d_airflow, caplog, capfd) -> None:
    caplog.set_level(logging.INFO)
    with DAG("filtered_in_the_log", schedule=None, start_date=datetime(2025, 1, 1), catchup=False) as dag:
        Every8dSendSmsOperator(task_id="send", message="same text", deduplicate=True,
                               recipients=["0900000001", "0900000002", "0900000003"])
    assert every8d_airflow.run(dag).state == "success"
    capfd.readouterr()
    caplog.clear()
    run = every8d_airflow.run(dag)  # the same text to the same numbers within 24 hours: all filtered
    logs = caplog.text + capfd.readouterr().out
    assert run.xcom("send")["filtered"] == ["0900000001", "0900000002", "0900000003"]
    assert "filtered 3 (0900***001, 0900***002, 0900***003)" in logs
    assert "0900000001" not in logs
