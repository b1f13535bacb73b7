"""Every8dDeliveryStatusSensor: wait until every message of one or several batches reached a final status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException, PokeReturnValue, conf

from airflow_provider_every8d.constants import DEFAULT_CONN_ID
from airflow_provider_every8d.sensors.base import Every8dSensorBase

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_every8d.protocol.summary import DeliverySummary

class Every8dDeliveryStatusSensor(Every8dSensorBase):
    """Succeed when every message of ``batch_id`` (one id or several) is in a terminal status (2.2, 2.3).

    Reads every page of every batch at each poke. Terminal: 100 delivered, 101-107/500/negative failed,
    303 cancelled (MMS: 700 sent, 303 cancelled); 0 and 300 are not; unknown codes are logged once and keep
    the batch waiting. Returns (XCom) ``{"total", "delivered", "failed", "cancelled", "by_status"}``.

    :param batch_id: one batch id or a list (templated); the send operators' XCom dict works too.
    :param mms: the batches are MMS (2.3 status codes).
    :param fail_on_undelivered: fail the task when any message ended as not delivered.
    :param min_delivery_rate: fail when the delivered share (0-1) of decided messages is lower.
    :param retry_time: the RETRYTIME (minutes) the messages were sent with; sets the default ``timeout``
        to that validity plus an hour (1,440 + 60 minutes when not given). An explicit ``timeout`` wins.
    :param deferrable: wait in the triggerer (default ``[operators] default_deferrable``); its polls start
        ``poke_interval`` apart, however long each takes (``triggers/every8d.py``).
    :param max_consecutive_failures: transient failures (timeouts, 5xx, unparsable answers) in a row
        tolerated before the task fails; in ``reschedule`` mode each poke starts counting afresh.
    :param start_from_trigger: with ``deferrable=True`` on Airflow 3.3+, the scheduler starts the wait in
        the triggerer, which renders ``batch_id`` and ends the task: no worker slot, no worker log
        (``triggers/start.py``). Not for mapped sensors (Airflow does not start those in the triggerer).
        Older Airflow defers from a worker as without it.
    """

    template_fields: Sequence[str] = ("batch_id", "every8d_conn_id")
    ui_color = "#e8f4fd"

    def __init__(self, *, batch_id: str | list[str], mms: bool = False, every8d_conn_id: str = DEFAULT_CONN_ID,
                 fail_on_undelivered: bool = False, min_delivery_rate: float | None = None,
                 retry_time: int | None = None,
                 deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
                 max_consecutive_failures: int = 5, start_from_trigger: bool = False, **kwargs: Any) -> None:
        from airflow_provider_every8d.protocol.waits import default_timeout

        kwargs.setdefault("timeout", default_timeout(retry_time))
        super().__init__(**kwargs)
        from airflow_provider_every8d.protocol.summary import validate_min_delivery_rate

        min_delivery_rate = validate_min_delivery_rate(min_delivery_rate)
        self.batch_id = batch_id
        self.mms = mms
        self.every8d_conn_id = every8d_conn_id
        self.fail_on_undelivered = fail_on_undelivered
        self.min_delivery_rate = min_delivery_rate
        self.deferrable = deferrable
        self.max_consecutive_failures = max_consecutive_failures
        self._unknown_logged: set[int] = set()
        if start_from_trigger:  # Airflow 3.3+, deferrable: no worker slot at all (triggers/start.py)
            from airflow_provider_every8d.triggers.start import start_in_triggerer

            start_in_triggerer(self)

    # -- poke / reschedule --------------------------------------------------------------------------
    def poke(self, context: Context) -> bool | PokeReturnValue:
        batch_ids = self.batch_ids
        summary = self.poll(lambda: self.hook.get_delivery_summary(batch_ids, mms=self.mms))
        if summary is None:
            return False
        self._log_summary(summary)
        if not summary.complete:
            return False
        return PokeReturnValue(is_done=True, xcom_value=self._finish(summary))

    def _log_summary(self, summary: DeliverySummary) -> None:
        self.log.info("EVERY8D batch %s: %s", ", ".join(self.batch_ids), summary.describe())
        new_unknown = summary.new_unknown(self._unknown_logged)
        if new_unknown:
            self.log.warning("EVERY8D status codes not in the spec's table (treated as not final): %s", new_unknown)

    def _finish(self, summary: DeliverySummary) -> dict[str, Any]:
        """The XCom of a complete batch, or AirflowFailException (no retry: the statuses are final) when
        delivery fell short of the options, as for the send operators' ``wait_for_delivery``."""
        from airflow_provider_every8d.waiting import check_delivery

        check_delivery(summary, self.batch_ids, fail_on_undelivered=self.fail_on_undelivered,
                       min_delivery_rate=self.min_delivery_rate)
        return summary.to_dict()

    # -- deferrable ----------------------------------------------------------------------------------
    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        from airflow_provider_every8d.triggers.every8d import Every8dDeliveryStatusTrigger

        batch_ids = self.batch_ids
        try:  # one quick check: a batch that is already final needs no triggerer
            summary = self.hook.get_delivery_summary(batch_ids, mms=self.mms)
        except self.failure_budget.transient as error:
            self.log.warning("EVERY8D first check failed (%s); the triggerer will keep trying", error)
        else:
            self._log_summary(summary)
            if summary.complete:
                return self._finish(summary)
        self.defer(
            trigger=Every8dDeliveryStatusTrigger(batch_ids=batch_ids, every8d_conn_id=self.every8d_conn_id,
                                                 mms=self.mms, poll_interval=self.poke_interval,
                                                 max_consecutive_failures=self.max_consecutive_failures),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout) if self.timeout is not None else None,
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Back from the triggerer: fail with the trigger's reason, or check the summary and return it."""
        from airflow_provider_every8d.protocol.summary import DeliverySummary

        if event.get("status") != "success":
            raise AirflowException(event.get("message") or f"EVERY8D delivery trigger failed: {event!r}")
        summary = DeliverySummary.from_dict(event["summary"], mms=self.mms)
        self.log.info("EVERY8D batch %s: %s", ", ".join(event.get("batch_ids", self.batch_ids)),
                      summary.describe())
        return self._finish(summary)
