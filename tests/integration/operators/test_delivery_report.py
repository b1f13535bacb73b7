"""Every8dDeliveryReportOperator: full per-recipient reports written as CSV / JSON Lines, over real HTTP."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_every8d.operators.delivery_report import REPORT_COLUMNS, Every8dDeliveryReportOperator
from airflow_provider_every8d.protocol.errors import Every8dValidationError
from tests.helpers import expected_statuses, numbers, run_dag, send, task_instance, xcom

TIME_FORMAT = "%Y/%m/%d %H:%M:%S"


def report(tmp_path: Path, batch_ids: Any, name: str = "report.csv", **kwargs: Any) -> dict[str, Any]:
    operator = Every8dDeliveryReportOperator(task_id="report", batch_ids=batch_ids, path=str(tmp_path / name),
                                             **kwargs)
    return operator.execute({})  # type: ignore[arg-type]


@pytest.mark.every8d(delivery_seconds=0)
def test_10000_row_csv_matches_what_the_emulator_holds(every8d_emulator, hook, tmp_path: Path) -> None:
    every8d_emulator.set_credit("demo", 20000)
    recipients = numbers(10_000, failures=True)
    batch_id = send(hook, recipients)
    result = report(tmp_path, batch_id, "out/2024-01-01.csv")
    assert result["rows"] == 10_000 and result["path"] == str(tmp_path / "out/2024-01-01.csv")
    assert result["summary"]["by_status"] == expected_statuses(recipients)
    with open(result["path"], newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    held = every8d_emulator.batch(batch_id)
    assert len(rows) == len(held) == 10_000
    for row, message in zip(rows, held, strict=True):
        assert (row["batch_id"], row["name"], row["mobile"], int(row["status"]), float(row["cost"])) == \
               (batch_id, message.name, message.mobile, message.status, message.cost)
        assert row["send_time"] == message.send_time.strftime(TIME_FORMAT)
        assert row["received_time"] == message.received_time.strftime(TIME_FORMAT)  # type: ignore[union-attr]
    assert {(r["status"], r["outcome"]) for r in rows} >= {("100", "delivered"), ("103", "failed")}
    pages = [r.fields["PNO"] for r in every8d_emulator.requests if r.endpoint == "getDeliveryStatus"]
    assert pages == [str(page) for page in range(1, 11)]


@pytest.mark.every8d(delivery_seconds=0)
def test_jsonl_of_two_batches_with_replies_in_a_second_file(every8d_emulator, hook, tmp_path: Path) -> None:
    first, second = send(hook, ["0900000001", "0900000102"]), send(hook, ["0900000003"])
    every8d_emulator.inject_reply(first, "0900000001", "收到 thanks", name="王")
    result = report(tmp_path, [first, second], "day.jsonl", format="jsonl", include_replies=True)
    lines = [json.loads(line) for line in Path(result["path"]).read_text(encoding="utf-8").splitlines()]
    assert [tuple(line) for line in lines] == [REPORT_COLUMNS] * 3
    assert [(line["batch_id"], line["mobile"], line["status"], line["status_text"]) for line in lines] == [
        (first, "+886900000001", 100, "delivered"),
        (first, "+886900000102", 102, "network or equipment failure"),
        (second, "+886900000003", 100, "delivered")]
    assert result["replies_path"] == str(tmp_path / "day.replies.jsonl") and result["replies"] == 1
    (reply,) = [json.loads(line) for line in Path(result["replies_path"]).read_text(encoding="utf-8").splitlines()]
    assert (reply["batch_id"], reply["name"], reply["mobile"], reply["content"]) == \
           (first, "王", "+886900000001", "收到 thanks")


@pytest.mark.every8d(delivery_seconds=0, status_columns=5)
def test_object_storage_url_and_5_column_rows(every8d_emulator, hook, tmp_path: Path) -> None:
    batch_id = send(hook, numbers(3))
    operator = Every8dDeliveryReportOperator(task_id="report", batch_ids=batch_id,
                                             path=f"file://{tmp_path}/reports/r.csv")
    result = operator.execute({})  # type: ignore[arg-type]
    rows = list(csv.DictReader((tmp_path / "reports/r.csv").open(newline="", encoding="utf-8")))
    assert result["rows"] == 3 and [row["received_time"] for row in rows] == ["", "", ""]


@pytest.mark.every8d(delivery_seconds=0)
def test_in_a_dag_the_batch_ids_come_from_the_send_tasks_xcom(airflow_db, every8d_emulator, tmp_path) -> None:
    from airflow.providers.common.compat.sdk import DAG, task

    from airflow_provider_every8d.hooks.every8d import Every8dHook

    with DAG("report_from_xcom", schedule=None, start_date=datetime(2024, 1, 1), catchup=False) as dag:
        @task
        def send_batch() -> dict[str, Any]:
            return {"batch_ids": [Every8dHook().send_sms("hi", numbers(4)).batch_id], "sent": 4}

        Every8dDeliveryReportOperator(task_id="report", batch_ids="{{ ti.xcom_pull(task_ids='send_batch') }}",
                                      path=str(tmp_path / "{{ ds }}.csv"))
        send_batch() >> dag.task_dict["report"]
    run = run_dag(dag)
    report_ti = task_instance(run, "report")
    assert report_ti.state == "success"
    result = xcom(run, "report")
    assert result["rows"] == 4 and Path(result["path"]).name == f"{report_ti.logical_date:%Y-%m-%d}.csv"


@pytest.mark.every8d(delivery_seconds=0)
def test_bad_batch_id_is_refused_before_anything_is_written(every8d_emulator, tmp_path: Path) -> None:
    with pytest.raises(Every8dValidationError, match=r"batch_ids\[0\]"):
        report(tmp_path, ["../etc"])
    assert every8d_emulator.requests == [] and not (tmp_path / "report.csv").exists()


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        Every8dDeliveryReportOperator(task_id="r", batch_ids="A", path="/tmp/x", format="xlsx")  # type: ignore[arg-type]
