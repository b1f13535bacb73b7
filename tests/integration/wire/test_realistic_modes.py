"""Issue 12, "what it must show": with every odd answer shape the emulator can produce switched on at once
(Modes.realistic()), the delivery sensor and the trigger end in success, never in failure."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator, Modes
from airflow_provider_every8d.hooks.every8d import Every8dHook
from airflow_provider_every8d.sensors.delivery_status import Every8dDeliveryStatusSensor
from airflow_provider_every8d.triggers.every8d import Every8dDeliveryStatusTrigger

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
REALISTIC = pytest.mark.every8d(international=True, delivery_seconds=0.5, modes=Modes.realistic())


def send_mixed(hook: Every8dHook) -> tuple[str, str]:
    """An SMS batch (a long text abroad counted in parts, a failure, names with TABs and separators) and an
    MMS batch with a failure; their batch ids."""
    sms = hook.send_param_sms([
        {"mobile": "+81312345678", "content": "長" * 150, "name": "Ken\tWatanabe"},
        {"mobile": "0900000103", "content": "hello", "name": "王\u2028小明"},
        {"mobile": "0900000001", "content": "hello", "name": ""},
    ]).batch_id
    mms = hook.send_mms("hi", ["0900000002", "0900000105"], "subject", PNG, "png").batch_id
    return sms, mms


@REALISTIC
def test_the_sensor_pokes_through_every_shape_to_success(every8d_emulator: Every8dEmulator) -> None:
    sms, mms = send_mixed(Every8dHook())
    sensors = [Every8dDeliveryStatusSensor(task_id=f"wait_{n}", batch_id=batch, mms=n == "mms", mode="poke",
                                           max_consecutive_failures=1)
               for n, batch in (("sms", sms), ("mms", mms))]
    results: list[Any] = []
    for sensor in sensors:
        assert sensor.poke({}) is False  # rows not visible yet: an empty page, not a failure
    every8d_emulator.advance(2)
    for sensor in sensors:
        done = sensor.poke({})
        assert done and done.is_done
        results.append(done.xcom_value)
    assert results == [
        {"total": 3, "delivered": 2, "failed": 1, "cancelled": 0, "by_status": {"100": 2, "103": 1}},
        {"total": 2, "delivered": 1, "failed": 1, "cancelled": 0, "by_status": {"105": 1, "700": 1}},
    ]


@REALISTIC
async def test_the_trigger_runs_through_every_shape_to_success(every8d_emulator: Every8dEmulator) -> None:
    sms, _ = send_mixed(Every8dHook())
    trigger = Every8dDeliveryStatusTrigger([sms], poll_interval=0.05, max_consecutive_failures=1)

    async def clock() -> None:
        while True:
            await asyncio.sleep(0.05)
            every8d_emulator.advance(0.5)

    ticking = asyncio.create_task(clock())
    try:
        event = await asyncio.wait_for(anext(trigger.run()), 30)  # type: ignore[arg-type]
    finally:
        ticking.cancel()
    assert event.payload["status"] == "success"
    assert event.payload["summary"]["by_status"] == {"100": 2, "103": 1}
