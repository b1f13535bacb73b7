"""Every8dReplySensor: wait for a recipient's SMS reply (2.4), e.g. "reply Y to approve the load"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException, PokeReturnValue, conf

from airflow_provider_every8d.constants import DEFAULT_CONN_ID
from airflow_provider_every8d.sensors.base import Every8dSensorBase

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_every8d.protocol.replies import ReplyFilter


class Every8dReplySensor(Every8dSensorBase):
    """Succeed when a reply to ``batch_id`` arrives (optionally from ``from_numbers``, optionally matching
    ``pattern``); returns every matching reply so far as ``[{name, mobile, content, reply_time}, ...]``.

    Reads every page of replies at each poke. Replies stay on the platform, so a reply that arrived before
    the sensor started counts too. The XCom holds the repliers' numbers in full (they are the user's data);
    logs show counts only.

    :param batch_id: the batch the question was sent in (one id or a list; templated).
    :param from_numbers: only replies from these numbers count (any spelling: ``0900...``, ``+886900...``).
    :param pattern: a regular expression, case-insensitive, searched in the stripped reply; anchor it
        (``^y(es)?$``) to accept exactly those words.
    :param deferrable: wait in the triggerer (default ``[operators] default_deferrable``).
    :param max_consecutive_failures: transient failures in a row tolerated before the task fails.
    :param start_from_trigger: with ``deferrable=True`` on Airflow 3.3+, the scheduler starts the wait in
        the triggerer, which renders the templated fields and ends the task: no worker slot
        (``triggers/start.py``). Not for mapped sensors. Older Airflow defers from a worker as without it.

    The default ``timeout`` is the BaseSensorOperator's (7 days): set one that matches how long a human
    may take to answer.
    """

    template_fields: Sequence[str] = ("batch_id", "from_numbers", "pattern", "every8d_conn_id")
    ui_color = "#fdf3e8"

    def __init__(self, *, batch_id: str | list[str], from_numbers: str | list[str] | None = None,
                 pattern: str | None = None, every8d_conn_id: str = DEFAULT_CONN_ID,
                 deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
                 max_consecutive_failures: int = 5, start_from_trigger: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.batch_id = batch_id
        self.from_numbers = from_numbers
        self.pattern = pattern
        self.every8d_conn_id = every8d_conn_id
        self.deferrable = deferrable
        self.max_consecutive_failures = max_consecutive_failures
        if start_from_trigger:  # Airflow 3.3+, deferrable: no worker slot at all (triggers/start.py)
            from airflow_provider_every8d.triggers.start import start_in_triggerer

            start_in_triggerer(self)

    @property
    def wanted(self) -> ReplyFilter:
        from airflow_provider_every8d.protocol.replies import ReplyFilter

        return ReplyFilter.build(self.from_numbers, self.pattern)

    def poke(self, context: Context) -> bool | PokeReturnValue:
        batch_ids, wanted = self.batch_ids, self.wanted
        found = self.poll(lambda: [reply for batch_id in batch_ids
                                   for reply in wanted.select(self.hook.iter_replies(batch_id))])
        if found is None:
            return False
        self.log.info("EVERY8D batch %s: %d matching replies", ", ".join(batch_ids), len(found))
        return PokeReturnValue(is_done=True, xcom_value=found) if found else False

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        from airflow_provider_every8d.triggers.every8d import Every8dReplyTrigger

        batch_ids, wanted = self.batch_ids, self.wanted  # validated before deferring
        self.defer(
            trigger=Every8dReplyTrigger(batch_ids=batch_ids, every8d_conn_id=self.every8d_conn_id,
                                        from_numbers=sorted(wanted.from_numbers), pattern=wanted.pattern,
                                        poll_interval=self.poke_interval,
                                        max_consecutive_failures=self.max_consecutive_failures),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout) if self.timeout is not None else None,
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> list[dict[str, Any]]:
        if event.get("status") != "success":
            raise AirflowException(event.get("message") or f"EVERY8D reply trigger failed: {event!r}")
        replies: list[dict[str, Any]] = event["replies"]
        self.log.info("EVERY8D batch %s: %d matching replies", ", ".join(self.batch_ids), len(replies))
        return replies
