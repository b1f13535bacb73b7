"""Every8dDeliveryStatusSensor in poke, reschedule and deferrable mode under dag.test(), over real HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from airflow_provider_every8d.sensors.every8d import Every8dDeliveryStatusSensor
from tests.helpers import (
    ClockDriver,
    Failures,
    numbers,
    run_dag,
    send,
    status_polls,
    task_instance,
    use_connection,
    xcom,
)

START = datetime(2024, 1, 1)
MODES = [{"mode": "poke"}, {"mode": "reschedule"}, {"deferrable": True}]
FINAL = {"total": 5, "delivered": 3, "failed": 2, "cancelled": 0, "by_status": {"100": 3, "101": 1, "103": 1}}


def sensor_dag(dag_id: str, failures: Failures | None = None, **sensor_kwargs: Any) -> Any:
    from airflow.providers.common.compat.sdk import DAG

    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        Every8dDeliveryStatusSensor(task_id="wait", poke_interval=0.05, on_failure_callback=failures,
                                    **{"deferrable": False, **sensor_kwargs})
    return dag


@pytest.mark.every8d(delivery_seconds=60, jitter=True)  # long in real time: a loaded machine cannot finish it early
@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.get("mode", "deferrable"))
def test_batch_is_sensed_in_each_mode(airflow_db, every8d_emulator, hook, mode: dict[str, Any]) -> None:
    batch_id = send(hook, [*numbers(3), "0900000101", "0900000103"])
    dag_id = f"delivery_sensor_{mode.get('mode', 'deferrable')}"
    with ClockDriver(every8d_emulator, step=24):
        run = run_dag(sensor_dag(dag_id, batch_id=batch_id, **mode))
    assert task_instance(run, "wait").state == "success"
    assert xcom(run, "wait") == FINAL
    assert status_polls(every8d_emulator) >= 3


@pytest.mark.every8d(delivery_seconds=0)
def test_two_batches_from_a_send_task_xcom(airflow_db, every8d_emulator) -> None:
    from airflow.providers.common.compat.sdk import DAG, task

    from airflow_provider_every8d.hooks.every8d import Every8dHook

    with DAG("delivery_sensor_xcom", schedule=None, start_date=START, catchup=False) as dag:
        @task
        def send_two() -> dict[str, Any]:
            hook = Every8dHook()
            return {"batch_ids": [hook.send_sms("a", numbers(2)).batch_id,
                                  hook.send_sms("b", ["0900000106"]).batch_id]}

        sent = send_two()
        sent >> Every8dDeliveryStatusSensor(task_id="wait", batch_id=sent["batch_ids"], poke_interval=0.05,
                                            deferrable=True)
    run = run_dag(dag)
    assert task_instance(run, "wait").state == "success"
    assert xcom(run, "wait")["by_status"] == {"100": 2, "106": 1}


@pytest.mark.every8d(delivery_seconds=0)
@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.get("mode", "deferrable"))
@pytest.mark.parametrize(("options", "reason"), [
    ({"fail_on_undelivered": True}, "1 of 3 messages was not delivered"),
    ({"min_delivery_rate": 0.9}, "delivery rate 66.7% is below the minimum 90.0%"),
])
def test_undelivered_messages_fail_the_task_when_asked(airflow_db, every8d_emulator, hook, mode: dict[str, Any],
                                                       options: dict[str, Any], reason: str) -> None:
    batch_id = send(hook, [*numbers(2), "0900000102"])
    failures = Failures()
    run = run_dag(sensor_dag("delivery_sensor_shortfall", failures, batch_id=batch_id, **mode, **options))
    assert task_instance(run, "wait").state == "failed"
    assert reason in failures.messages["wait"] and batch_id in failures.messages["wait"]


@pytest.mark.every8d(delivery_seconds=0)
def test_deferred_sensor_fails_with_the_triggers_reason_when_the_platform_is_down(
        airflow_db, every8d_emulator, hook, monkeypatch) -> None:
    batch_id = send(hook, numbers(1))
    use_connection(monkeypatch, every8d_emulator, connect_retries=0)
    every8d_emulator.stop()
    failures = Failures()
    run = run_dag(sensor_dag("delivery_sensor_down", failures, batch_id=batch_id, deferrable=True,
                             max_consecutive_failures=2))
    assert task_instance(run, "wait").state == "failed"
    assert f"2 polls in a row failed for batch {batch_id}; last failure: HTTP failure" in failures.messages["wait"]


@pytest.mark.every8d(delivery_seconds=0)
def test_poke_mode_fails_after_bounded_consecutive_failures(airflow_db, every8d_emulator, hook) -> None:
    batch_id = send(hook, numbers(1))
    every8d_emulator.faults.add("garbage", endpoint="getDeliveryStatus")
    failures = Failures()
    run = run_dag(sensor_dag("delivery_sensor_garbage", failures, batch_id=batch_id, max_consecutive_failures=3))
    assert task_instance(run, "wait").state == "failed"
    assert "3 polls in a row failed" in failures.messages["wait"]
    assert status_polls(every8d_emulator) == 3


@pytest.mark.every8d(delivery_seconds=0)
def test_bad_batch_id_fails_before_any_request(airflow_db, every8d_emulator) -> None:
    failures = Failures()
    run = run_dag(sensor_dag("delivery_sensor_bad_id", failures, batch_id=["ok-looking", "not a batch id!"],
                             deferrable=True))
    assert task_instance(run, "wait").state == "failed"
    assert "batch_id[1]" in failures.messages["wait"]
    assert every8d_emulator.requests == []


@pytest.mark.parametrize(("kwargs", "timeout"), [
    ({}, timedelta(minutes=1500)),
    ({"retry_time": 60}, timedelta(minutes=120)),
    ({"retry_time": 60, "timeout": 30}, timedelta(seconds=30)),
])
def test_default_timeout_follows_the_messages_validity(kwargs: dict[str, Any], timeout: timedelta) -> None:
    sensor = Every8dDeliveryStatusSensor(task_id="wait", batch_id="x", **kwargs)
    assert sensor.timeout == timeout.total_seconds()


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_min_delivery_rate_outside_0_1_is_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="min_delivery_rate"):
        Every8dDeliveryStatusSensor(task_id="wait", batch_id="x", min_delivery_rate=rate)
