"""The base of the send operators: options, the execute flow, and the optional wait for delivery.

A subclass only says how its arguments become requests (:meth:`Every8dSendOperatorBase.build_requests`),
one per chunk; everything after that (money guard, send-once ledger, totals, waiting) is shared.
Heavy imports (hook, protocol, client) happen inside methods: DAG files import this module on every parse.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseOperator, conf

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_every8d.hooks.every8d import Every8dHook
    from airflow_provider_every8d.protocol.request import ApiRequest

DEFAULT_CONN_ID = "every8d_default"
"""Same value as ``airflow_provider_every8d.settings.DEFAULT_CONN_ID`` (kept here to keep DAG parsing light)."""
SEND_RESULT_KEY = "every8d_send_result"
"""XCom key of the send result while the operator waits deferred for delivery."""
DEFAULT_CHUNK_SIZE = 1000
"""Recipients per request; the vendor advises 500 to 2,000."""


def _option_error(field: str, problem: str) -> Exception:
    from airflow_provider_every8d.protocol.errors import Every8dValidationError

    return Every8dValidationError(field, problem)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Every8dSendOperatorBase(BaseOperator):
    """Shared options of every send operator.

    :param chunk_size: recipients per request (each request is one batch); default 1,000.
    :param max_cost: refuse the send, before any request, when its estimated cost in points is higher.
    :param check_credit: ask for the balance first and refuse a send that costs more than it.
    :param wait_for_delivery: after sending, wait until every message is final; the XCom then has
        ``"delivery"`` (the delivery sensor's counts).
    :param deferrable: wait in the triggerer instead of on the worker (with ``wait_for_delivery``).
    :param poll_interval: seconds between status checks while waiting.
    :param fail_on_undelivered: fail the task when any message failed (with ``wait_for_delivery``).
    :param min_delivery_rate: fail the task when the delivered share (0-1) is lower.
    :param every8d_conn_id: the EVERY8D connection.
    """

    ui_color = "#f6e3a1"
    mms = False
    """Whether the status of the sent batches is read from the MMS endpoint (2.3)."""

    def __init__(
        self,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        max_cost: float | None = None,
        check_credit: bool = False,
        wait_for_delivery: bool = False,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poll_interval: float = 30,
        fail_on_undelivered: bool = False,
        min_delivery_rate: float | None = None,
        every8d_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise _option_error("chunk_size", f"{chunk_size!r} must be a positive whole number")
        if max_cost is not None and (not _number(max_cost) or max_cost < 0):
            raise _option_error("max_cost", f"{max_cost!r} must be a number of points, 0 or more")
        if not _number(poll_interval) or poll_interval <= 0:
            raise _option_error("poll_interval", f"{poll_interval!r} must be a positive number of seconds")
        if min_delivery_rate is not None and (not _number(min_delivery_rate) or not 0 <= min_delivery_rate <= 1):
            raise _option_error("min_delivery_rate", f"{min_delivery_rate!r} must be between 0 and 1")
        self.chunk_size = chunk_size
        self.max_cost = max_cost
        self.check_credit = check_credit
        self.wait_for_delivery = wait_for_delivery
        self.deferrable = deferrable
        self.poll_interval = poll_interval
        self.fail_on_undelivered = fail_on_undelivered
        self.min_delivery_rate = min_delivery_rate
        self.every8d_conn_id = every8d_conn_id

    @property
    def deduplicate_sends(self) -> bool:
        """True when the requests go through the platform's 24-hour duplicate filter (1.3)."""
        return False

    def build_requests(self) -> Sequence[ApiRequest]:
        """Every chunk's request, all validated; raises before anything is sent."""
        raise NotImplementedError

    def get_hook(self) -> Every8dHook:
        from airflow_provider_every8d.hooks.every8d import Every8dHook

        return Every8dHook(every8d_conn_id=self.every8d_conn_id)

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_every8d.operators._once import SendLedger
        from airflow_provider_every8d.operators._send import guard_money, send_chunks, totals

        plan = list(self.build_requests())
        hook = self.get_hook()
        try:
            ledger = SendLedger.from_context(context, self.log)
            pending = [request for request in plan if ledger.accepted(request) is None]
            guard_money(hook, plan, pending, self.max_cost, self.check_credit, self.log)
            self.log.info("EVERY8D send: %d recipients in %d chunk(s), %d already accepted by an earlier try, "
                          "estimated %g points", sum(len(r.recipients) for r in plan), len(plan),
                          len(plan) - len(pending), sum(r.estimated_cost for r in plan))
            result = totals(hook, send_chunks(hook, plan, ledger, self.deduplicate_sends, self.log))
            self.log.info("EVERY8D send done: batches %s, sent %d, cost %g, unsent %d, filtered %d, balance %g",
                          result["batch_ids"], result["sent"], result["cost"], result["unsent"],
                          len(result["filtered"]), result["credit"])
            if not self.wait_for_delivery:
                return result
            return self._wait(context, hook, result)
        finally:
            hook.close()

    def _wait(self, context: Context, hook: Every8dHook, result: dict[str, Any]) -> dict[str, Any]:
        from airflow_provider_every8d.operators._delivery import judge, poll_until_final
        from airflow_provider_every8d.protocol.summary import DeliverySummary

        if not result["batch_ids"]:
            return judge(result, DeliverySummary(mms=self.mms), self.fail_on_undelivered, self.min_delivery_rate,
                         self.log)
        if self.deferrable:
            from airflow_provider_every8d.triggers.every8d import Every8dDeliveryStatusTrigger

            # Also kept as an XCom: resume kwargs are replaced by the event in some runners (dag.test()).
            context["ti"].xcom_push(key=SEND_RESULT_KEY, value=result)
            self.defer(
                trigger=Every8dDeliveryStatusTrigger(batch_ids=result["batch_ids"],
                                                     every8d_conn_id=self.every8d_conn_id, mms=self.mms,
                                                     poll_interval=self.poll_interval),
                method_name="execute_complete",
                kwargs={"send_result": result},
            )
        summary = poll_until_final(hook, result["batch_ids"], self.mms, self.poll_interval, self.log)
        return judge(result, summary, self.fail_on_undelivered, self.min_delivery_rate, self.log)

    def execute_complete(self, context: Context, event: dict[str, Any],
                         send_result: dict[str, Any] | None = None) -> dict[str, Any]:
        """Resume after the trigger: the send result plus the delivery counts, or a failure."""
        from airflow.providers.common.compat.sdk import AirflowException

        from airflow_provider_every8d.operators._delivery import judge, summary_from_dict

        if send_result is None:
            ti = context["ti"]
            send_result = ti.xcom_pull(task_ids=ti.task_id, key=SEND_RESULT_KEY, map_indexes=ti.map_index)
            if not isinstance(send_result, dict):
                raise AirflowException("resumed without the send result; the send itself succeeded, see the log "
                                       "of the deferred try for its batch ids")

        if event.get("status") != "success":
            raise AirflowException(f"waiting for delivery of batches {', '.join(send_result['batch_ids'])} "
                                   f"failed: {event.get('message', event)}")
        summary = summary_from_dict(event.get("summary") or {}, self.mms)
        return judge(send_result, summary, self.fail_on_undelivered, self.min_delivery_rate, self.log)
