"""MMS (attachment as bytes, path, ObjectStoragePath) and param SMS (templates, personalised, chunks, mapping)."""

from __future__ import annotations

import base64
from pathlib import Path

import pendulum
import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.operators.every8d import (
    Every8dEraseBookingOperator,
    Every8dSendMmsOperator,
    Every8dSendParamSmsOperator,
)
from tests.helpers import REPO_ROOT, SEND_KEYS, numbers, run_dag, xcom

COUPON = REPO_ROOT / "example_dags" / "assets" / "every8d-coupon.png"
START = pendulum.datetime(2025, 1, 1, tz="UTC")


def _mms_request(emu: Every8dEmulator):
    (request,) = [r for r in emu.requests if r.endpoint == "MMS/sendMMS"]
    return request


def _attachment_forms(tmp_path: Path) -> dict:
    from airflow.providers.common.compat.sdk import ObjectStoragePath

    copy = tmp_path / "Coupon.PNG"
    copy.write_bytes(COUPON.read_bytes())
    return {"path": COUPON, "str": str(COUPON), "upper-case name": copy,
            "ObjectStoragePath": ObjectStoragePath(f"file://{COUPON}")}


@pytest.mark.parametrize("form", ["path", "str", "upper-case name", "ObjectStoragePath"])
def test_mms_attachment_from_a_file_infers_the_type(every8d_emulator: Every8dEmulator, tmp_path: Path,
                                                    form: str) -> None:
    attachment = _attachment_forms(tmp_path)[form]
    result = Every8dSendMmsOperator(task_id="mms", message="10% off", subject="Coupon", attachment=attachment,
                                    recipients=numbers(2)).execute({})
    assert set(result) == SEND_KEYS and result["sent"] == 2 and result["cost"] == 6.0
    request = _mms_request(every8d_emulator)
    assert request.fields["TYPE"] == "png"
    assert base64.b64decode(request.fields["ATTACHMENT"]) == COUPON.read_bytes()


def test_mms_bytes_with_a_type_and_booking_erased_as_mms(every8d_emulator: Every8dEmulator) -> None:
    when = pendulum.now("Asia/Taipei").add(days=1)
    result = Every8dSendMmsOperator(task_id="mms", message="", subject="Coupon", attachment=COUPON.read_bytes(),
                                    attachment_type="PNG", recipients=numbers(3), send_time=when).execute({})
    assert {m.status for m in every8d_emulator.messages} == {300}
    erased = Every8dEraseBookingOperator(task_id="erase", batch_id=result["batch_ids"], mms=True).execute({})
    assert erased == {"deleted": 3, "refunded": 9.0}
    assert any(r.endpoint == "MMS/eraseBooking" for r in every8d_emulator.requests)


def test_param_sms_in_a_dag_run_from_an_upstream_xcom(airflow_db, every8d_emulator: Every8dEmulator) -> None:
    from airflow.providers.common.compat.sdk import DAG, task

    with DAG("every8d_param_sms_xcom", schedule=None, start_date=START, catchup=False) as dag:
        @task
        def people() -> list[dict]:
            return [{"mobile": n, "params": [f"P{i}", str(i)]} for i, n in enumerate(numbers(5))]

        Every8dSendParamSmsOperator(task_id="send", message="Hi %field1%, your number is %field2%.",
                                    recipients=people(), chunk_size=2, subject="{{ dag.dag_id }}")
    dag_run = run_dag(dag)
    result = xcom(dag_run, "send")
    assert set(result) == SEND_KEYS
    assert (result["sent"], result["cost"], len(result["batch_ids"])) == (5, 5.0, 3)
    texts = sorted(m.text for m in every8d_emulator.messages)
    assert texts == [f"Hi P{i}, your number is {i}." for i in range(5)]
    assert {r.fields["SB"] for r in every8d_emulator.requests if r.endpoint == "SendParamSMS"} == {dag.dag_id}


def test_personalised_content_without_a_template(every8d_emulator: Every8dEmulator) -> None:
    recipients = [{"mobile": "0900000001", "content": "Your table is ready."},
                  {"mobile": "0900000002", "content": "Your order is late; sorry! " * 4}]
    result = Every8dSendParamSmsOperator(task_id="send", recipients=recipients).execute({})
    assert result["sent"] == 2 and result["cost"] == 3.0  # 1 point + 2 points (108 characters)
    assert sorted(m.text for m in every8d_emulator.messages) == sorted(r["content"] for r in recipients)


def test_param_sms_mapped_over_groups(airflow_db, every8d_emulator: Every8dEmulator) -> None:
    from airflow.providers.common.compat.sdk import DAG

    groups = [[{"mobile": "0900000001", "params": ["A"]}], [{"mobile": "0900000002", "params": ["B"]},
                                                          {"mobile": "0900000003", "params": ["C"]}]]
    with DAG("every8d_param_sms_mapped", schedule=None, start_date=START, catchup=False) as dag:
        Every8dSendParamSmsOperator.partial(task_id="send", message="Gate %field1%").expand(recipients=groups)
    dag_run = run_dag(dag)
    assert [xcom(dag_run, "send", index)["sent"] for index in (0, 1)] == [1, 2]
