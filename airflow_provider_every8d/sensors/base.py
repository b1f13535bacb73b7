"""What both EVERY8D sensors share: the hook, the batch ids, the failure budget (protocol/waits.py) between pokes."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from airflow.providers.common.compat.sdk import AirflowException, BaseSensorOperator

if TYPE_CHECKING:
    from airflow_provider_every8d.hooks.every8d import Every8dHook
    from airflow_provider_every8d.protocol.waits import FailureBudget

T = TypeVar("T")


class Every8dSensorBase(BaseSensorOperator):
    """Subclasses set ``batch_id``, ``every8d_conn_id`` and ``max_consecutive_failures``."""

    batch_id: Any
    every8d_conn_id: str
    max_consecutive_failures: int

    @cached_property
    def hook(self) -> Every8dHook:
        from airflow_provider_every8d.hooks.every8d import Every8dHook

        return Every8dHook(every8d_conn_id=self.every8d_conn_id)

    @property
    def batch_ids(self) -> list[str]:
        """The rendered ``batch_id`` as validated ids (Every8dValidationError naming the field)."""
        from airflow_provider_every8d.protocol.batch_ids import batch_id_list

        return batch_id_list(self.batch_id)

    @cached_property
    def failure_budget(self) -> FailureBudget:
        """The failed polls in a row this sensor tolerates (kept across pokes in ``poke`` mode)."""
        from airflow_provider_every8d.protocol.waits import FailureBudget

        return FailureBudget(self.max_consecutive_failures, f"batch {', '.join(self.batch_ids)}")

    def poll(self, read: Callable[[], T]) -> T | None:
        """``read()``, or None after a transient failure (see :mod:`protocol.waits`); the failure that spends
        the budget raises AirflowException with the reason (retried while ``retries`` allow: the platform may
        be back by then). A platform error (Every8dApiError) is not caught: it fails the task at once."""
        budget = self.failure_budget
        try:
            result = read()
        except budget.transient as error:
            given_up = budget.failed(error)
            if given_up:
                raise AirflowException(given_up) from None
            self.log.warning("%s", budget.warning(error))
            return None
        budget.succeeded()
        return result
