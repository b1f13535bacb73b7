"""A batch that shows no row (an id the platform does not know, or one not visible yet) keeps a
multi-batch wait going, however final the other batches are: sensor poke and trigger, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_every8d.hooks.every8d import Every8dHook
from airflow_provider_every8d.sensors.every8d import Every8dDeliveryStatusSensor
from airflow_provider_every8d.triggers.every8d import Every8dDeliveryStatusTrigger
from tests.helpers import numbers, send, status_polls

UNKNOWN = "00000000-0000-4000-8000-000000000000"  # well-formed, never sent: the platform answers "0"


@pytest.mark.every8d(delivery_seconds=0)
def test_the_sensor_keeps_poking_while_one_batch_has_no_rows(every8d_emulator, hook: Every8dHook) -> None:
    real = send(hook, numbers(2))
    sensor = Every8dDeliveryStatusSensor(task_id="wait", batch_id=[real, UNKNOWN], poke_interval=0.05)

    assert sensor.poke({}) is False
    assert status_polls(every8d_emulator) == 2  # both batches were read
    alone = Every8dDeliveryStatusSensor(task_id="wait_real", batch_id=[real], poke_interval=0.05).poke({})
    assert alone.is_done  # type: ignore[union-attr]


@pytest.mark.every8d(delivery_seconds=0)
async def test_the_trigger_does_not_succeed_while_one_batch_has_no_rows(every8d_emulator, hook: Every8dHook) -> None:
    real = send(hook, numbers(2))
    events: list[Any] = []
    async with await Every8dHook().aget_client() as client:
        for batch_ids in ([real, UNKNOWN], [UNKNOWN, real], [real]):
            events.append(await Every8dDeliveryStatusTrigger(batch_ids).check(client))
    assert events[:2] == [None, None]
    assert events[2].payload["status"] == "success"


def test_a_min_delivery_rate_that_is_not_a_number_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="min_delivery_rate: expected a number from 0 to 1, got str"):
        Every8dDeliveryStatusSensor(task_id="wait", batch_id="x", min_delivery_rate="90%")
