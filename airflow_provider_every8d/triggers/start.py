"""Waits the scheduler starts in the triggerer (``start_from_trigger``, Airflow 3.3+): no worker slot at all.

``Every8dDeliveryStatusSensor`` and ``Every8dReplySensor`` with ``start_from_trigger=True, deferrable=True``
hand the scheduler their ``start_trigger_args`` (:func:`start_trigger_args`): the scheduler creates the
trigger itself, the triggerer renders the sensor's templated fields (``batch_id``, e.g.
``{{ ti.xcom_pull('send')['batch_ids'] }}`` or a ``dag_run.conf`` value; the reply sensor's
``from_numbers`` and ``pattern``; ``every8d_conn_id``) in the task's context, polls as the usual trigger
does, and ends the task itself: :class:`~airflow.triggers.base.TaskSuccessEvent` with the sensor's XCom as
``return_value`` (the delivery summary, the matching replies), or
:class:`~airflow.triggers.base.TaskFailedEvent` with the reason in the log (``fail_on_undelivered``,
``min_delivery_rate``, a platform refusal, too many failed polls, a bad rendered value).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import TaskFailedEvent, TaskSuccessEvent, TriggerEvent

from airflow_provider_every8d.constants import DEFAULT_CONN_ID
from airflow_provider_every8d.triggers.every8d import Every8dDeliveryStatusTrigger, Every8dReplyTrigger

UNRENDERED = "(rendered in the triggerer)"
"""Stands in for the batch ids until the triggerer has rendered ``batch_id``."""
SINCE = (3, 3)
"""Airflow renders a start_from_trigger task's templates in the triggerer from 3.3 on (3.0-3.2 did not)."""


def supported() -> bool:
    """Whether this Airflow starts tasks in the triggerer with their templates rendered there."""
    from airflow import __version__

    return tuple(int(part) for part in __version__.split(".")[:2]) >= SINCE


def _as_template(value: Any) -> Any:
    """An upstream XCom (``send.output``) as the template that pulls it in the triggerer; else as given."""
    operator, key = getattr(value, "operator", None), getattr(value, "key", None)
    if operator is None or not isinstance(key, str):
        return value
    return f"{{{{ ti.xcom_pull(task_ids={operator.task_id!r}, key={key!r}) }}}}"


def start_trigger_args(sensor: Any) -> Any:
    """The ``StartTriggerArgs`` of a delivery or reply sensor that starts in the triggerer: the matching
    trigger below, the sensor's unrendered fields and options, its ``timeout``."""
    from datetime import timedelta

    from airflow.triggers.base import StartTriggerArgs

    common = {"batch_id": _as_template(sensor.batch_id), "every8d_conn_id": sensor.every8d_conn_id,
              "poll_interval": float(sensor.poke_interval),
              "max_consecutive_failures": sensor.max_consecutive_failures}
    if hasattr(sensor, "from_numbers"):
        trigger: type = Every8dReplyStartTrigger
        options = {"from_numbers": _as_template(sensor.from_numbers), "pattern": sensor.pattern}
    else:
        trigger = Every8dDeliveryStartTrigger
        options = {"mms": sensor.mms, "fail_on_undelivered": sensor.fail_on_undelivered,
                   "min_delivery_rate": sensor.min_delivery_rate}
    return StartTriggerArgs(
        trigger_cls=f"{__name__}.{trigger.__qualname__}",
        trigger_kwargs={**common, **options},
        next_method="execute_complete",
        next_kwargs=None,
        timeout=timedelta(seconds=sensor.timeout) if sensor.timeout is not None else None,
    )


def start_in_triggerer(sensor: Any) -> None:
    """Make a deferrable sensor start in the triggerer where Airflow can (3.3+); elsewhere, or without
    ``deferrable``, leave it as it is (it defers from a worker, or pokes) and say so."""
    if not sensor.deferrable:
        sensor.log.warning("start_from_trigger needs deferrable=True; %s runs on a worker", sensor.task_id)
    elif not supported():
        sensor.log.warning("start_from_trigger needs Airflow 3.3 or later; %s defers from a worker", sensor.task_id)
    else:
        sensor.start_from_trigger = True
        sensor.start_trigger_args = start_trigger_args(sensor)


def _failed(trigger: Any, payload: dict[str, Any], what: str) -> TaskFailedEvent:
    trigger.log_line("error", "%s", payload.get("message") or f"EVERY8D {what} failed: {payload!r}")
    return TaskFailedEvent()


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
            self.log_line("error", "EVERY8D wait not started: %s", error)
            yield TaskFailedEvent()
            return
        async for event in super().run():
            payload = event.payload
            if payload.get("status") != "success":
                yield _failed(self, payload, "delivery wait")
                return
            summary = DeliverySummary.from_dict(payload["summary"], mms=self.mms)
            problem = summary.shortfall(self.fail_on_undelivered, self.min_delivery_rate)
            if problem:
                self.log_line("error", "EVERY8D %s: %s", self._what(), problem)
                yield TaskFailedEvent()
                return
            self.log_line("info", "EVERY8D %s: %s", self._what(), summary.describe())
            yield TaskSuccessEvent(xcoms={"return_value": summary.to_dict()})
            return


class Every8dReplyStartTrigger(Every8dReplyTrigger):
    """Wait for a reply to the rendered ``batch_id`` (from the rendered ``from_numbers``, matching the
    rendered ``pattern``) and end the task in the triggerer, the matching replies as its XCom."""

    def __init__(self, batch_id: Any, every8d_conn_id: str = DEFAULT_CONN_ID, from_numbers: Any = None,
                 pattern: str | None = None, poll_interval: float = 30.0, max_consecutive_failures: int = 5) -> None:
        super().__init__([UNRENDERED], every8d_conn_id, None, pattern, poll_interval, max_consecutive_failures)
        self.batch_id = batch_id
        self.from_numbers = from_numbers  # as given (a template, a string or a list) until run() validates it

    def serialize(self) -> tuple[str, dict[str, Any]]:
        _, kwargs = super().serialize()
        del kwargs["batch_ids"]
        return (f"{type(self).__module__}.{type(self).__qualname__}",
                {**kwargs, "batch_id": self.batch_id, "from_numbers": self.from_numbers})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_every8d.protocol.batch_ids import batch_id_list
        from airflow_provider_every8d.protocol.errors import Every8dValidationError
        from airflow_provider_every8d.protocol.replies import ReplyFilter

        try:
            self.batch_ids = batch_id_list(self.batch_id)
            wanted = ReplyFilter.build(self.from_numbers, self.pattern)
        except Every8dValidationError as error:
            self.log_line("error", "EVERY8D wait not started: %s", error)
            yield TaskFailedEvent()
            return
        self.from_numbers, self.pattern = sorted(wanted.from_numbers), wanted.pattern
        async for event in super().run():
            payload = event.payload
            if payload.get("status") != "success":
                yield _failed(self, payload, "reply wait")
                return
            self.log_line("info", "EVERY8D %s: %d matching replies", self._what(), len(payload["replies"]))
            yield TaskSuccessEvent(xcoms={"return_value": payload["replies"]})
            return
