"""Each example DAG of the send operators runs end to end under dag.test() against the emulator."""

from __future__ import annotations

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from tests.helpers import SEND_KEYS, load_example, run_dag, task_instance, xcom


def _states(dag_run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in dag_run.get_task_instances()}


@pytest.mark.every8d(credit=10_000)
def test_campaign_example_sends_the_upstream_list_in_three_batches(airflow_db, every8d_emulator: Every8dEmulator):
    dag = load_example("example_every8d_sms")
    dag_run = run_dag(dag)
    assert set(_states(dag_run).values()) == {"success"}
    result = xcom(dag_run, "send_campaign")
    assert set(result) == SEND_KEYS
    assert (result["sent"], result["cost"], result["unsent"], result["filtered"]) == (1200, 1200.0, 0, [])
    assert len(result["batch_ids"]) == 3
    assert [len(every8d_emulator.batch(b)) for b in result["batch_ids"]] == [500, 500, 200]
    assert result["credit"] == every8d_emulator.credit() == 10_000 - 1200
    assert {r.endpoint for r in every8d_emulator.requests} == {"getCredit", "sendSMS4FilterMessage"}


def test_booking_example_books_then_erases_with_refund(airflow_db, every8d_emulator: Every8dEmulator):
    dag = load_example("example_every8d_booking")
    dag_run = run_dag(dag)
    assert set(_states(dag_run).values()) == {"success"}
    booked = xcom(dag_run, "book_reminder")
    (batch_id,) = booked["batch_ids"]
    assert xcom(dag_run, "cancel_reminder") == {"deleted": 2, "refunded": 2.0}
    assert [m.status for m in every8d_emulator.batch(batch_id)] == [303, 303]  # cancelled, never sent
    assert every8d_emulator.credit() == 1000.0  # the booking's 2 points came back


def test_param_sms_example_personalises_each_text(airflow_db, every8d_emulator: Every8dEmulator):
    dag = load_example("example_every8d_param_sms")
    dag_run = run_dag(dag)
    assert set(_states(dag_run).values()) == {"success"}
    result = xcom(dag_run, "send_shipping_notices")
    assert set(result) == SEND_KEYS and result["sent"] == 3 and len(result["batch_ids"]) == 1
    texts = {m.mobile: m.text for m in every8d_emulator.messages}
    assert texts["+886900000022"] == "Hi Chen, order A-1002 ships today and arrives by 18:00."
    assert {m.mr for m in every8d_emulator.messages} == {"A-1001", "A-1002", "A-1003"}


@pytest.mark.every8d(delivery_seconds=0.1)
def test_mms_example_sends_the_shipped_image_and_waits(airflow_db, every8d_emulator: Every8dEmulator):
    dag = load_example("example_every8d_mms")
    dag.task_dict["send_coupon"].poll_interval = 0.1
    dag_run = run_dag(dag)
    assert task_instance(dag_run, "send_coupon").state == "success"
    result = xcom(dag_run, "send_coupon")
    assert result["sent"] == 2 and result["cost"] == 6.0  # a 6 KB image: 3 points each
    assert result["delivery"] == {"total": 2, "delivered": 2, "failed": 0, "cancelled": 0, "by_status": {"700": 2}}
    (request,) = [r for r in every8d_emulator.requests if r.endpoint == "MMS/sendMMS"]
    assert request.fields["TYPE"] == "png" and request.fields["SB"] == "會員優惠券"
