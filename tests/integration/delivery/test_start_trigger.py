"""The delivery wait started in the triggerer (start_from_trigger, Airflow 3.3+): the sensor hands the
scheduler its unrendered ``batch_id``; the trigger, once the triggerer has rendered it, polls the emulator
over real HTTP and ends the task itself with the summary as the return_value XCom, or fails it."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator

triggers_base = pytest.importorskip("airflow.triggers.base")
start = pytest.importorskip("airflow_provider_every8d.triggers.start")
if not start.supported():
    pytest.skip("start_from_trigger with templates rendered in the triggerer needs Airflow 3.3",
                allow_module_level=True)

from airflow_provider_every8d.sensors.delivery_status import Every8dDeliveryStatusSensor  # noqa: E402


def _send(emulator: Every8dEmulator, numbers: list[str]) -> str:
    from airflow_provider_every8d.hooks.every8d import Every8dHook

    return str(Every8dHook().send_sms("start from trigger", numbers).batch_id)


async def _events(trigger: Any) -> list[Any]:
    return [event async for event in trigger.run()]


def test_sensor_starts_in_the_triggerer_with_its_unrendered_batch_id() -> None:
    sensor = Every8dDeliveryStatusSensor(task_id="wait", batch_id="{{ dag_run.conf['batch'] }}", deferrable=True,
                                         start_from_trigger=True, poke_interval=7, min_delivery_rate=0.5)
    assert sensor.start_from_trigger is True
    args = sensor.start_trigger_args
    assert args.trigger_cls == "airflow_provider_every8d.triggers.start.Every8dDeliveryStartTrigger"
    assert args.trigger_kwargs["batch_id"] == "{{ dag_run.conf['batch'] }}"
    assert args.trigger_kwargs["poll_interval"] == 7.0
    assert args.trigger_kwargs["min_delivery_rate"] == 0.5
    assert args.timeout is not None and args.timeout.total_seconds() == sensor.timeout


def test_without_deferrable_the_sensor_does_not_start_in_the_triggerer() -> None:
    sensor = Every8dDeliveryStatusSensor(task_id="wait", batch_id="b", start_from_trigger=True, deferrable=False)
    assert sensor.start_from_trigger is False


@pytest.mark.every8d(delivery_seconds=0.1)
async def test_rendered_batches_end_the_task_with_the_summary(every8d_emulator: Every8dEmulator) -> None:
    batch_id = _send(every8d_emulator, ["0900000001", "0900000103"])
    trigger = start.Every8dDeliveryStartTrigger(batch_id=f"['{batch_id}']", poll_interval=0.05)
    (event,) = await _events(trigger)
    assert isinstance(event, triggers_base.TaskSuccessEvent)
    assert event.xcoms == {"return_value": {"total": 2, "delivered": 1, "failed": 1, "cancelled": 0,
                                            "by_status": {"100": 1, "103": 1}}}


@pytest.mark.every8d(delivery_seconds=0.1)
async def test_a_shortfall_fails_the_task_in_the_triggerer(every8d_emulator: Every8dEmulator) -> None:
    batch_id = _send(every8d_emulator, ["0900000001", "0900000103"])
    trigger = start.Every8dDeliveryStartTrigger(batch_id=batch_id, poll_interval=0.05, fail_on_undelivered=True)
    (event,) = await _events(trigger)
    assert isinstance(event, triggers_base.TaskFailedEvent)


async def test_a_bad_rendered_batch_id_fails_without_a_request(every8d_emulator: Every8dEmulator) -> None:
    trigger = start.Every8dDeliveryStartTrigger(batch_id="", poll_interval=0.05)
    (event,) = await _events(trigger)
    assert isinstance(event, triggers_base.TaskFailedEvent)
    assert every8d_emulator.requests == []


def test_reply_sensor_starts_in_the_triggerer_with_its_unrendered_fields() -> None:
    from airflow_provider_every8d.sensors.reply import Every8dReplySensor

    sensor = Every8dReplySensor(task_id="answer", batch_id="{{ dag_run.conf['batch'] }}",
                                from_numbers="{{ dag_run.conf['on_call'] }}", pattern="^y$", deferrable=True,
                                start_from_trigger=True)
    args = sensor.start_trigger_args
    assert sensor.start_from_trigger is True
    assert args.trigger_cls == "airflow_provider_every8d.triggers.start.Every8dReplyStartTrigger"
    assert args.trigger_kwargs["from_numbers"] == "{{ dag_run.conf['on_call'] }}"
    assert args.trigger_kwargs["pattern"] == "^y$"


@pytest.mark.every8d(delivery_seconds=0.1)
async def test_a_matching_reply_ends_the_task_with_the_replies(every8d_emulator: Every8dEmulator) -> None:
    batch_id = _send(every8d_emulator, ["0900000998", "0900000001"])  # ...998 answers "Y" after delivery
    trigger = start.Every8dReplyStartTrigger(batch_id=batch_id, from_numbers="0900000998, 0900000997",
                                             pattern="^y$", poll_interval=0.05)
    (event,) = await _events(trigger)
    assert isinstance(event, triggers_base.TaskSuccessEvent)
    (reply,) = event.xcoms["return_value"]
    assert (reply["mobile"][-3:], reply["content"]) == ("998", "Y")


async def test_a_bad_rendered_pattern_fails_without_a_request(every8d_emulator: Every8dEmulator) -> None:
    trigger = start.Every8dReplyStartTrigger(batch_id="b-1", pattern="(", poll_interval=0.05)
    (event,) = await _events(trigger)
    assert isinstance(event, triggers_base.TaskFailedEvent)
    assert every8d_emulator.requests == []
