"""A delivery shortfall fails the delivery sensor and a send operator's wait_for_delivery alike: with
AirflowFailException (never retried: the statuses are final, and a send task's retry could send again),
worded the same way. Over real HTTP against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_every8d.hooks.every8d import Every8dHook
from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator
from airflow_provider_every8d.sensors.every8d import Every8dDeliveryStatusSensor

ONE_FAILS = ["0900000201", "0900000202", "0900000103"]  # ...103 ends as status 103, not delivered
OPTIONS = [({"fail_on_undelivered": True}, "1 of 3 messages was not delivered"),
           ({"min_delivery_rate": 0.9}, "is below the minimum 90.0%")]


def _sensor(options: dict[str, Any]) -> None:
    batch_id = Every8dHook().send_sms("hi", ONE_FAILS).batch_id
    Every8dDeliveryStatusSensor(task_id="wait", batch_id=batch_id, poke_interval=0.05, timeout=30,
                                deferrable=False, **options).execute({})


def _operator(options: dict[str, Any]) -> None:
    Every8dSendSmsOperator(task_id="send", message="hi", recipients=ONE_FAILS, wait_for_delivery=True,
                           poll_interval=0.05, deferrable=False, **options).execute({})


@pytest.mark.every8d(delivery_seconds=0)
@pytest.mark.parametrize("run", [_sensor, _operator], ids=["sensor", "operator"])
@pytest.mark.parametrize(("options", "reason"), OPTIONS)
def test_a_shortfall_is_final_and_worded_alike(every8d_emulator, run, options: dict[str, Any], reason: str) -> None:
    from airflow.providers.common.compat.sdk import AirflowFailException

    with pytest.raises(AirflowFailException, match=rf"^EVERY8D batch [\w-]+: .*{reason}"):
        run(options)
