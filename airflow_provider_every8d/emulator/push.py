"""The delivery-report push (spec 2.1): an HTTP GET to the customer's URL per event.

Events are every terminal status change (100-107, 303, 500, 700) and every reply (STATUS=999,
SM = the reply). Query fields: BatchID, RM (``+886...``), RT (``yyyyMMddHHmmss``, Taiwan time),
STATUS, SM, MR, USERID, UserNo, ST, SUBJECT, CHARGE, MSGID. A push counts as delivered on HTTP 200;
anything else (another status, a refused connection, a timeout) is tried again after
``retry_delay`` seconds, ``max_attempts`` attempts in all (the spec: at most 10).

One worker thread sends the pushes in order, so request handling never waits on the receiver.
Because status changes are computed lazily, a ticker thread reads the clock every 0.1 s while a
push URL is set, so reports go out without anyone polling the status endpoints.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from .rules import TAIPEI

_STOP = object()


@dataclass(frozen=True)
class PushAttempt:
    """One try at one push: ``status`` is the HTTP code, or None with ``error`` set. The URL (it holds the
    receiver's token) is left out of the ``repr``."""

    url: str = field(repr=False)
    params: dict[str, str]
    attempt: int
    status: int | None
    error: str | None
    at: datetime

    @property
    def ok(self) -> bool:
        return self.status == 200


class PushWorker:
    """A queue and one daemon thread that delivers reports with retries."""

    def __init__(
        self,
        url: str,
        record: Callable[[PushAttempt], None],
        retry_delay: float = 0.2,
        max_attempts: int = 10,
        timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.record = record
        self.retry_delay = retry_delay
        self.max_attempts = max_attempts
        self.timeout = timeout
        self._queue: queue.Queue[object] = queue.Queue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="every8d-emulator-push", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stopping.set()
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def submit(self, params: dict[str, str]) -> None:
        """Queue one report; never blocks."""
        self._queue.put(params)

    def idle(self) -> bool:
        """Whether every queued report has been handled (for tests that wait on pushes)."""
        return self._queue.unfinished_tasks == 0

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                assert isinstance(item, dict)
                self._deliver(item)
            finally:
                self._queue.task_done()

    def _deliver(self, params: dict[str, str]) -> None:
        separator = "&" if "?" in self.url else "?"
        url = self.url + separator + urlencode(params)
        for attempt in range(1, self.max_attempts + 1):
            status, error = self._get(url)
            self.record(PushAttempt(url, params, attempt, status, error, datetime.now(TAIPEI)))
            if status == 200 or self._stopping.wait(self.retry_delay if attempt < self.max_attempts else 0):
                return

    def _get(self, url: str) -> tuple[int | None, str | None]:
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                response.read()
                return int(response.status), None
        except urllib.error.HTTPError as exc:
            return int(exc.code), None
        except (OSError, ValueError) as exc:
            return None, f"{type(exc).__name__}: {exc}"


class Ticker:
    """Calls ``tick`` every ``interval`` seconds on a daemon thread until stopped."""

    def __init__(self, tick: Callable[[], None], interval: float = 0.1) -> None:
        self._tick = tick
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="every8d-emulator-ticker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stopping.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            with contextlib.suppress(Exception):  # a failed tick must not kill the ticker
                self._tick()
