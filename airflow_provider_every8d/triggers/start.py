"""The delivery wait as the scheduler starts it in the triggerer (``start_from_trigger``, Airflow 3.3+).

``Every8dDeliveryStatusSensor(start_from_trigger=True, deferrable=True)`` never takes a worker slot: the
scheduler creates this trigger straight from the sensor's ``start_trigger_args``, the triggerer renders the
sensor's ``batch_id`` template (e.g. ``{{ ti.xcom_pull('send')['batch_ids'] }}`` or a ``dag_run.conf``
value) and ``every8d_conn_id`` in the task's context, polls as :class:`Every8dDeliveryStatusTrigger` does,
and ends the task itself: :class:`~airflow.triggers.base.TaskSuccessEvent` with the summary as the
``return_value`` XCom, or :class:`~airflow.triggers.base.TaskFailedEvent` with the reason in the log
(``fail_on_undelivered``, ``min_delivery_rate``, a platform refusal, too many failed polls, a bad batch id).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import TaskFailedEvent, TaskSuccessEvent, TriggerEvent

from airflow_provider_every8d.constants import DEFAULT_CONN_ID
from airflow_provider_every8d.triggers.every8d import Every8dDeliveryStatusTrigger

UNRENDERED = "(rendered in the triggerer)"
"""Stands in for the batch ids until the triggerer has rendered ``batch_id``."""
SINCE = (3, 3)
"""Airflow renders a start_from_trigger task's templates in the triggerer from 3.3 on (3.0-3.2 did not)."""


def supported() -> bool:
    """Whether this Airflow starts tasks in the triggerer with their templates rendered there."""
    from airflow import __version__

    return tuple(int(part) for part in __version__.split(".")[:2]) >= SINCE


def _as_template(batch_id: Any) -> Any:
    """An upstream XCom (``send.output``) as the template that pulls it in the triggerer; else as given."""
    operator, key = getattr(batch_id, "operator", None), getattr(batch_id, "key", None)
    if operator is None or not isinstance(key, str):
        return batch_id
    return f"{{{{ ti.xcom_pull(task_ids={operator.task_id!r}, key={key!r}) }}}}"


def start_trigger_args(sensor: Any) -> Any:
    """The ``StartTriggerArgs`` of a delivery sensor that starts in the triggerer: this trigger, the sensor's
    unrendered ``batch_id`` and options, its ``timeout``."""
    from datetime import timedelta

    from airflow.triggers.base import StartTriggerArgs

    return StartTriggerArgs(
        trigger_cls=f"{__name__}.{Every8dDeliveryStartTrigger.__qualname__}",
        trigger_kwargs={"batch_id": _as_template(sensor.batch_id), "every8d_conn_id": sensor.every8d_conn_id,
                        "mms": sensor.mms,
                        "poll_interval": float(sensor.poke_interval),
                        "max_consecutive_failures": sensor.max_consecutive_failures,
                        "fail_on_undelivered": sensor.fail_on_undelivered,
                        "min_delivery_rate": sensor.min_delivery_rate},
        next_method="execute_complete",
        next_kwargs=None,
        timeout=timedelta(seconds=sensor.timeout) if sensor.timeout is not None else None,
    )


class Every8dDeliveryStartTrigger(Every8dDeliveryStatusTrigger):
    """Wait for delivery of the rendered ``batch_id`` and end the task in the triggerer."""

    def __init__(self, batch_id: Any, every8d_conn_id: str = DEFAULT_CONN_ID, mms: bool = False,
                 poll_interval: float = 30.0, max_consecutive_failures: int = 5, *,
                 fail_on_undelivered: bool = False, min_delivery_rate: float | None = None) -> None:
        super().__init__([UNRENDERED], every8d_conn_id, mms, poll_interval, max_consecutive_failures)
        self.batch_id = batch_id
        self.fail_on_undelivered = bool(fail_on_undelivered)
        self.min_delivery_rate = min_delivery_rate

    def serialize(self) -> tuple[str, dict[str, Any]]:
        _, kwargs = super().serialize()
        del kwargs["batch_ids"]
        return (f"{type(self).__module__}.{type(self).__qualname__}",
                {**kwargs, "batch_id": self.batch_id, "fail_on_undelivered": self.fail_on_undelivered,
                 "min_delivery_rate": self.min_delivery_rate})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_every8d.protocol.batch_ids import batch_id_list
        from airflow_provider_every8d.protocol.errors import Every8dValidationError
        from airflow_provider_every8d.protocol.summary import DeliverySummary

        try:
            self.batch_ids = batch_id_list(self.batch_id)
        except Every8dValidationError as error:
            self.log.error("EVERY8D wait not started: %s", error)
            yield TaskFailedEvent()
            return
        async for event in super().run():
            payload = event.payload
            if payload.get("status") != "success":
                self.log.error("%s", payload.get("message") or f"EVERY8D delivery wait failed: {payload!r}")
                yield TaskFailedEvent()
                return
            summary = DeliverySummary.from_dict(payload["summary"], mms=self.mms)
            problem = summary.shortfall(self.fail_on_undelivered, self.min_delivery_rate)
            if problem:
                self.log.error("EVERY8D %s: %s", self._what(), problem)
                yield TaskFailedEvent()
                return
            self.log.info("EVERY8D %s: %s", self._what(), summary.describe())
            yield TaskSuccessEvent(xcoms={"return_value": summary.to_dict()})
            return
