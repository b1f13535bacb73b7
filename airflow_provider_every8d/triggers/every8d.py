"""Triggers: wait in the triggerer (asyncio, httpx) until a batch is fully delivered or a reply arrives.

Both poll on one async client (the triggers of one connection id in one triggerer share its lookup for
``transport.aio.CONNECTION_REUSE`` seconds and one pool of connections), their polls STARTING
``poll_interval`` seconds apart (the time a poll takes, answering or queued in a busy triggerer, does not
stretch the interval; a poll that overran it is followed at once, never by a burst of catch-up polls), and
spend the failure budget every wait shares
(:class:`~airflow_provider_every8d.protocol.waits.FailureBudget`): a transient failure (HTTP error or
timeout, 5xx, an unparsable answer) is retried with a growing pause, ``min(poll_interval, 2**(n-1))``
seconds after the n-th failure in a row (at least ``MIN_PAUSE``, so the loop never spins); after
``max_consecutive_failures`` failed polls in a row the trigger ends with an error event naming the last
failure. A negative answer from the platform (``-2`` wrong password ...) is not transient: error event at
once. Bad arguments raise Every8dValidationError naming the field. Sensing only: nothing here sends a message.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_every8d.constants import DEFAULT_CONN_ID, WRONG_CREDENTIALS

if TYPE_CHECKING:
    from airflow_provider_every8d.transport.aio import AsyncEvery8dClient


_WRITER: dict[str, Any] = {}
"""The process's log writer: its process id and its queue of lines (started on first use, again in a fork)."""


def _write_off_loop(write: Any, message: str, args: tuple[Any, ...]) -> None:
    """Queue one log line for a writer thread, with the caller's context variables (Airflow routes a line to
    its trigger's log by them). One thread fed by a queue, not a thread hop a line (``asyncio.to_thread``: a
    future and a loop wake-up each, 0.2 ms of CPU a line against 0.04 written in place). Lines still queued
    when the process exits are lost."""
    import contextvars
    import os
    import queue
    import threading

    if _WRITER.get("pid") != os.getpid():
        lines: queue.SimpleQueue[Any] = queue.SimpleQueue()
        threading.Thread(target=_writer, args=(lines,), name="every8d-log-lines", daemon=True).start()
        _WRITER.update(pid=os.getpid(), lines=lines)
    _WRITER["lines"].put((contextvars.copy_context(), write, message, args))


def flush_log_lines(timeout: float = 5.0) -> bool:
    """Wait until the lines queued so far in this process are written (False if ``timeout`` s were not
    enough): for a caller that reads the log right after a trigger ran, as a test does."""
    import os
    import threading

    if _WRITER.get("pid") != os.getpid():
        return True
    written = threading.Event()
    _WRITER["lines"].put(written)
    return written.wait(timeout)


def _writer(lines: Any) -> None:
    from contextlib import suppress

    while True:
        item = lines.get()
        if not isinstance(item, tuple):  # flush_log_lines(): everything queued before it is written
            item.set()
            continue
        context, write, message, args = item
        with suppress(Exception):  # a failing handler must not stop the lines of every other trigger
            context.run(write, message, *args)


class _PollingTrigger(BaseTrigger):
    """Polls ``check()`` until it returns an event, spending the failure budget on transient failures."""

    def __init__(self, batch_ids: Sequence[str], every8d_conn_id: str, poll_interval: float,
                 max_consecutive_failures: int) -> None:
        super().__init__()
        from airflow_provider_every8d.protocol.errors import Every8dValidationError
        from airflow_provider_every8d.protocol.waits import FailureBudget

        if isinstance(batch_ids, str):
            batch_ids = [batch_ids]
        if not batch_ids:
            raise Every8dValidationError("batch_ids", "no batch id given")
        if isinstance(poll_interval, bool) or not isinstance(poll_interval, (int, float)) or not poll_interval > 0:
            raise Every8dValidationError("poll_interval", f"{poll_interval!r} must be a positive number of seconds")
        self.batch_ids = list(batch_ids)
        self.every8d_conn_id = every8d_conn_id
        self.poll_interval = float(poll_interval)
        self.max_consecutive_failures = FailureBudget(max_consecutive_failures).limit  # refused here if bad
        self._last: dict[str, Any] | None = None

    async def check(self, client: AsyncEvery8dClient) -> TriggerEvent | None:
        """One poll: an event to end with, or None to poll again ``poll_interval`` after this one started."""
        raise NotImplementedError

    def log_line(self, level: str, message: str, *args: Any) -> None:
        """Log one line off the event loop: handed to the process's log writer thread (:func:`_write_off_loop`).
        In Airflow 3's triggerer a line goes into a socket the supervisor reads between its database rounds:
        written from the loop's thread, a full socket stopped every trigger of the triggerer, 10 s while 5,000
        waits ended together (benchmarks/profiles/real_triggerer_runs.md, section 5)."""
        _write_off_loop(getattr(self.log, level), message, args)

    def error_event(self, message: str) -> TriggerEvent:
        return TriggerEvent({"status": "error", "message": message, "summary": self._last})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_every8d.hooks.every8d import Every8dHook
        from airflow_provider_every8d.protocol.errors import Every8dApiError
        from airflow_provider_every8d.protocol.waits import FailureBudget
        from airflow_provider_every8d.transport.aio import forget_lookup, reused_client

        budget = FailureBudget(self.max_consecutive_failures, self._what())
        clock = asyncio.get_running_loop().time
        look_up = Every8dHook(every8d_conn_id=self.every8d_conn_id).aget_client  # one lookup serves many waits
        async with await reused_client(self.every8d_conn_id, look_up) as client:
            while True:
                started = clock()
                try:
                    event = await self.check(client)
                except Every8dApiError as error:
                    if error.code == WRONG_CREDENTIALS:  # the next wait reads the connection again
                        forget_lookup(self.every8d_conn_id)
                    yield self.error_event(f"EVERY8D refused the query for {self._what()}: {error}")
                    return
                except budget.transient as error:
                    given_up = budget.failed(error)
                    if given_up:
                        yield self.error_event(given_up)
                        return
                    self.log_line("warning", "%s", budget.warning(error, budget.pause(self.poll_interval)))
                else:
                    budget.succeeded()
                    if event is not None:
                        yield event
                        return
                await asyncio.sleep(budget.pause_after(self.poll_interval, clock() - started))

    def _what(self) -> str:
        return f"batch {', '.join(self.batch_ids)}"


class Every8dDeliveryStatusTrigger(_PollingTrigger):
    """Poll 2.2 (2.3 with ``mms=True``), every page of every batch, until every message is terminal.

    Events: ``{"status": "success", "summary": DeliverySummary.to_dict(), "batch_ids": [...]}``, or
    ``{"status": "error", "message": str, "summary": <last summary dict> | None}``.
    """

    def __init__(self, batch_ids: list[str], every8d_conn_id: str = DEFAULT_CONN_ID, mms: bool = False,
                 poll_interval: float = 30.0, max_consecutive_failures: int = 5) -> None:
        super().__init__(batch_ids, every8d_conn_id, poll_interval, max_consecutive_failures)
        self.mms = bool(mms)
        self._unknown_logged: set[int] = set()

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (f"{type(self).__module__}.{type(self).__qualname__}",
                {"batch_ids": self.batch_ids, "every8d_conn_id": self.every8d_conn_id, "mms": self.mms,
                 "poll_interval": self.poll_interval, "max_consecutive_failures": self.max_consecutive_failures})

    async def check(self, client: AsyncEvery8dClient) -> TriggerEvent | None:
        summary = await client.get_delivery_summary(self.batch_ids, mms=self.mms)
        last, self._last = self._last, summary.to_dict()
        if self._last != last:  # a line when the counts move, not every poll of 5,000 waits in one triggerer
            self.log_line("info", "EVERY8D %s: %s", self._what(), summary.describe())
        new_unknown = summary.new_unknown(self._unknown_logged)
        if new_unknown:
            self.log_line("warning", "EVERY8D status codes not in the spec's table (treated as not final): %s",
                                new_unknown)
        if not summary.complete:
            return None
        return TriggerEvent({"status": "success", "summary": self._last, "batch_ids": self.batch_ids})


class Every8dReplyTrigger(_PollingTrigger):
    """Poll 2.4 (every page) until a reply matching ``from_numbers``/``pattern`` arrives.

    Events: ``{"status": "success", "replies": [{name, mobile, content, reply_time}, ...]}``, or
    ``{"status": "error", "message": str, "summary": None}``.
    """

    def __init__(self, batch_ids: list[str], every8d_conn_id: str = DEFAULT_CONN_ID,
                 from_numbers: list[str] | None = None, pattern: str | None = None, poll_interval: float = 30.0,
                 max_consecutive_failures: int = 5) -> None:
        super().__init__(batch_ids, every8d_conn_id, poll_interval, max_consecutive_failures)
        self.from_numbers = list(from_numbers or [])
        self.pattern = pattern

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (f"{type(self).__module__}.{type(self).__qualname__}",
                {"batch_ids": self.batch_ids, "every8d_conn_id": self.every8d_conn_id,
                 "from_numbers": self.from_numbers, "pattern": self.pattern, "poll_interval": self.poll_interval,
                 "max_consecutive_failures": self.max_consecutive_failures})

    async def check(self, client: AsyncEvery8dClient) -> TriggerEvent | None:
        from airflow_provider_every8d.protocol.replies import ReplyFilter, reply_dict

        wanted = ReplyFilter.build(self.from_numbers, self.pattern)
        found: list[dict[str, Any]] = []
        for batch_id in self.batch_ids:
            found += [reply_dict(reply) async for reply in client.iter_replies(batch_id) if wanted.matches(reply)]
        self.log_line("info", "EVERY8D %s: %d matching replies", self._what(), len(found))
        return TriggerEvent({"status": "success", "replies": found}) if found else None
