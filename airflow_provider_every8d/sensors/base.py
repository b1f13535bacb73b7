"""What both EVERY8D sensors share: the hook, the batch ids, counting transient failures between pokes."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from airflow.providers.common.compat.sdk import AirflowException, BaseSensorOperator

if TYPE_CHECKING:
    from airflow_provider_every8d.hooks.every8d import Every8dHook

T = TypeVar("T")


class Every8dSensorBase(BaseSensorOperator):
    """Subclasses set ``batch_id``, ``every8d_conn_id`` and ``max_consecutive_failures``."""

    batch_id: Any
    every8d_conn_id: str
    max_consecutive_failures: int
    _failures: int = 0

    @cached_property
    def hook(self) -> Every8dHook:
        from airflow_provider_every8d.hooks.every8d import Every8dHook

        return Every8dHook(every8d_conn_id=self.every8d_conn_id)

    @property
    def batch_ids(self) -> list[str]:
        """The rendered ``batch_id`` as validated ids (Every8dValidationError naming the field)."""
        from airflow_provider_every8d.protocol.batch_ids import batch_id_list

        return batch_id_list(self.batch_id)

    def poll(self, read: Callable[[], T]) -> T | None:
        """``read()``, or None after a transient failure (timeout, HTTP error, unparsable answer); the
        ``max_consecutive_failures``-th failure in a row raises AirflowException with the reason.
        A platform error (Every8dApiError) is not caught: it fails the task at once."""
        from airflow_provider_every8d.protocol.errors import Every8dResponseError, Every8dTransportError

        try:
            result = read()
        except (Every8dTransportError, Every8dResponseError) as error:
            self._failures += 1
            if self._failures >= self.max_consecutive_failures:
                raise AirflowException(f"{self._failures} polls in a row failed for batch "
                                       f"{', '.join(self.batch_ids)}; last failure: {error}") from None
            self.log.warning("EVERY8D poll %d/%d failed: %s", self._failures, self.max_consecutive_failures, error)
            return None
        self._failures = 0
        return result
