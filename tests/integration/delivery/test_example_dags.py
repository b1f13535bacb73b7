"""The delivery, approval and report-backfill example DAGs run end to end under dag.test() on the emulator."""

from __future__ import annotations

import csv
import threading
import time
from pathlib import Path

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from tests.helpers import load_example, run_dag, task_instance, xcom


@pytest.mark.every8d(delivery_seconds=0.2)
def test_delivery_example(airflow_db, every8d_emulator: Every8dEmulator) -> None:
    dag = load_example("example_every8d_delivery", {"wait_for_delivery": 0.1})
    run = run_dag(dag)
    assert {ti.task_id: ti.state for ti in run.get_task_instances()} == {
        "send": "success", "wait_for_delivery": "success", "log_outcome": "success"}
    summary = xcom(run, "wait_for_delivery")
    assert summary["by_status"] == {"100": 2, "103": 1}


@pytest.mark.every8d(delivery_seconds=0.2)
def test_approval_example_loads_on_the_automatic_yes(airflow_db, every8d_emulator: Every8dEmulator) -> None:
    dag = load_example("example_every8d_approval", {"wait_for_answer": 0.1})
    run = run_dag(dag)
    assert task_instance(run, "wait_for_answer").state == "success" and task_instance(run, "load").state == "success"


@pytest.mark.every8d(delivery_seconds=0.2)
def test_approval_example_stops_on_no(airflow_db, every8d_emulator: Every8dEmulator) -> None:
    dag = load_example("example_every8d_approval", {"wait_for_answer": 0.1})

    def answer_no() -> None:
        while not any(r.endpoint == "getReplyMessage" for r in every8d_emulator.requests):
            time.sleep(0.01)
        (batch_id,) = {m.batch_id for m in every8d_emulator.messages}
        every8d_emulator.inject_reply(batch_id, "0900000021", "someone else's N", name="x")
        every8d_emulator.inject_reply(batch_id, "0900000021", "n")

    thread = threading.Thread(target=answer_no, daemon=True)
    thread.start()
    run = run_dag(dag, run_conf={"approver": "0900000021"})
    thread.join(5)
    assert task_instance(run, "wait_for_answer").state == "success"
    assert (task_instance(run, "approved").state, task_instance(run, "load").state) == ("success", "skipped")


@pytest.mark.every8d(delivery_seconds=0.2)
def test_report_backfill_example_writes_the_days_report(airflow_db, every8d_emulator, tmp_path: Path) -> None:
    dag = load_example("example_every8d_report_backfill", {"wait_for_delivery": 0.1})
    dag.task_dict["write_report"].path = f"file://{tmp_path}/{{{{ ds }}}}.csv"
    run = run_dag(dag, logical_date=__import__("pendulum").datetime(2026, 1, 5, tz="UTC"))
    assert task_instance(run, "write_report").state == "success"
    report = tmp_path / "2026-01-05.csv"
    rows = list(csv.DictReader(report.open(newline="", encoding="utf-8")))
    assert sorted((r["mobile"], r["status"]) for r in rows) == [
        ("+886900000001", "100"), ("+886900000002", "100"), ("+886900000105", "105")]
    assert (tmp_path / "2026-01-05.replies.csv").read_text(encoding="utf-8").strip() == \
           "batch_id,name,mobile,content,reply_time"
    result = xcom(run, "write_report")
    assert result["rows"] == 3 and result["summary"]["failed"] == 1
