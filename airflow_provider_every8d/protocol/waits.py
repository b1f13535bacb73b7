"""Waiting for delivery or replies: the default wait, and the one failure budget every wait spends.

The delivery sensor's poke, the send operators' ``wait_for_delivery`` and the triggers all poll a status
or reply endpoint and must tolerate a few failures in a row. They share :class:`FailureBudget`: which
errors are transient, how long to pause after one, when to give up and with which words. A refusal by
the platform (:class:`Every8dApiError`, ``-2`` wrong password ...) is not transient: it ends a wait at once.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import timedelta

from airflow_provider_every8d.protocol.errors import (
    Every8dResponseError,
    Every8dTransportError,
    Every8dValidationError,
)

DEFAULT_RETRY_TIME = 1440
"""Minutes a message stays valid (the spec's RETRYTIME default): after that the platform gives up on it."""
TIMEOUT_MARGIN = timedelta(minutes=60)
"""Added to the validity for the default timeout: the carrier's last report may arrive a little later."""
MAX_CONSECUTIVE_FAILURES = 5
"""Failed polls in a row (timeouts, HTTP errors, unparsable answers) a wait tolerates by default."""
MIN_PAUSE = 0.01
"""Seconds: the shortest pause between two polls whatever ``poll_interval`` says (a wait never spins)."""


def default_timeout(retry_time: int | None) -> timedelta:
    """The default wait: the messages' validity (RETRYTIME, 1,440 minutes when not given) plus an hour."""
    return timedelta(minutes=retry_time or DEFAULT_RETRY_TIME) + TIMEOUT_MARGIN


def failure_pause(poll_interval: float, failures: int) -> float:
    """Pause after the ``failures``-th consecutive failed poll: 1, 2, 4 ... s, capped at ``poll_interval``."""
    return max(MIN_PAUSE, min(poll_interval, 2.0 ** (failures - 1)))


def transient_errors() -> tuple[type[BaseException], ...]:
    """What a wait counts as a failed poll: a transport error (timeout, HTTP error, 5xx), an unparsable
    answer, a timeout (asyncio's own class too on Python 3.10, where it is not the builtin one)."""
    found: tuple[type[BaseException], ...] = (Every8dTransportError, Every8dResponseError, TimeoutError)
    asyncio = sys.modules.get("asyncio")  # loaded wherever an asyncio timeout can happen
    if asyncio is not None and asyncio.TimeoutError is not TimeoutError:
        found += (asyncio.TimeoutError,)
    return found


@dataclass
class FailureBudget:
    """Failed polls in a row that a wait on ``what`` (``"batch 6a7c…"``) tolerates: the ``limit``-th
    ends it. A successful poll resets the count (:meth:`succeeded`)."""

    limit: int = MAX_CONSECUTIVE_FAILURES
    what: str = ""
    failures: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 1:
            raise Every8dValidationError("max_consecutive_failures", f"{self.limit!r} must be a whole number, "
                                         "at least 1")

    @property
    def transient(self) -> tuple[type[BaseException], ...]:
        """For ``except budget.transient``: see :func:`transient_errors`."""
        return transient_errors()

    def failed(self, error: BaseException) -> str | None:
        """Count one failed poll; the message to give up with once the budget is spent, else None."""
        self.failures += 1
        if self.failures < self.limit:
            return None
        return f"{self.failures} polls in a row failed for {self.what}; last failure: {reason(error)}"

    def succeeded(self) -> None:
        self.failures = 0

    def pause(self, poll_interval: float) -> float:
        """Seconds to wait before the next poll after the failures so far (see :func:`failure_pause`)."""
        return failure_pause(poll_interval, self.failures) if self.failures else max(MIN_PAUSE, poll_interval)

    def pause_after(self, poll_interval: float, elapsed: float) -> float:
        """Seconds from the end of a poll that took ``elapsed`` seconds to the start of the next, so that polls
        START ``poll_interval`` apart: time spent on the request (a slow platform, a queue in a busy triggerer)
        does not stretch the interval. A poll that overran the interval is followed at once (``MIN_PAUSE``),
        once: never a burst to catch up on missed ones. After failures, the back-off of :meth:`pause`,
        counted from the failed poll's end."""
        if self.failures:
            return self.pause(poll_interval)
        return max(MIN_PAUSE, min(poll_interval, poll_interval - elapsed))

    def warning(self, error: BaseException, pause: float | None = None) -> str:
        """The WARNING line for a tolerated failure (the error's text has numbers masked already)."""
        after = "" if pause is None else f"; next try in {pause:.1f} s"
        return f"EVERY8D poll {self.failures}/{self.limit} failed for {self.what} ({reason(error)}){after}"


def reason(error: BaseException) -> str:
    """An error's text, or its type's name when it has none (an asyncio timeout)."""
    return str(error) or type(error).__name__
