"""``POST /every8d/hitl/<ti_id>/check``: "look for an SMS answer to this request now".

The HITL trigger calls it when its poll of the replies found an answer: trigger code can write the HITL
record only through Airflow's Execution API, which records nobody as ``responded_by``; the API server has
the metadata database and records the masked number, as for a pushed answer (:mod:`.hitl_answers`).

It trusts nothing from the caller but the task instance id in the path. The request (its batches, options,
allowed numbers, connection) is the trigger's, from the database; the replies are the platform's reply
list (2.4) read over the request's own EVERY8D connection; the answer is judged by the request's own rules
and written under the same locks as a push's, without resuming the task (the trigger that asked resumes it
with its event: no second resume). So anyone who can reach the API server can make it read a request's
replies, and at most record an answer the platform already holds, earlier than the trigger's next poll
would; nothing else. Hence no secret: the triggerer has none to present.

Answers (JSON ``{"outcome": ...}``, see :class:`..protocol.hitl.CheckOutcome`): 200 ``recorded``,
``answered`` (the record had a response: first answer wins; the platform is not asked) or ``nothing``;
404 ``unknown`` (no request waits under that id; the same for a malformed id); 429 ``busy`` when the reply
list of the (unanswered) request was read less than :data:`CHECK_INTERVAL` seconds ago; 503 ``busy`` when
:data:`MAX_WAITING` checks are in flight, and 503 ``error`` when the platform or the database failed.
Checks run on their own two threads, so a slow platform delays neither the push receiver nor the rest of
the API.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from airflow_provider_every8d.protocol.hitl import CHECK_BUDGET, CheckOutcome

log = logging.getLogger(__name__)
_T = TypeVar("_T")

CHECK_INTERVAL = 10.0
"""Seconds between two checks of one request (each reads the platform's reply list)."""
CHECK_THREADS = 2
MAX_WAITING = 32
MAX_TRACKED = 10_000
"""Requests whose last check is remembered; past that, checks of new requests are refused (busy)."""


class _RateLimit:
    """At most one check per request per :data:`CHECK_INTERVAL` (in this API server process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < CHECK_INTERVAL:
                return False
            if len(self._last) >= MAX_TRACKED:
                self._last = {k: t for k, t in self._last.items() if now - t < CHECK_INTERVAL}
                if len(self._last) >= MAX_TRACKED:
                    return False
            self._last[key] = now
            return True


_LIMIT = _RateLimit()


def check_target(route: str) -> str | None:
    """The task instance id of ``hitl/<ti_id>/check`` (``hitl`` and ``check`` in any case), else None."""
    parts = route.strip("/").split("/")
    if len(parts) != 3 or parts[0].lower() != "hitl" or parts[2].lower() != "check":
        return None
    return parts[1]


def check(ti_id: uuid.UUID) -> tuple[int, CheckOutcome]:
    """The status code and outcome of one check (on a check thread)."""
    from airflow_provider_every8d.plugins.hitl_answers import answer_from_reply_list, waiting_request

    found = waiting_request(ti_id)
    if found is None:
        return 404, CheckOutcome.UNKNOWN
    kwargs, answered = found
    if answered:  # first answer wins; no call to the platform
        return 200, CheckOutcome.ANSWERED
    if not _LIMIT.allow(str(ti_id)):
        return 429, CheckOutcome.BUSY
    outcome = answer_from_reply_list(ti_id, kwargs, budget=CHECK_BUDGET)
    return (404 if outcome is CheckOutcome.UNKNOWN else 200), outcome


def _answer(status: int, outcome: str) -> Response:
    return JSONResponse({"outcome": outcome}, status_code=status)


class Pool(Protocol):
    async def run(self, func: Callable[..., _T], *args: Any) -> _T | None: ...


async def check_answer(request: Request, ti_id: str, pool: Pool) -> Response:
    """The endpoint (routed here by the receiver app's catch-all, :mod:`.receiver`); checks run on ``pool``
    (None from it: saturated)."""
    from airflow_provider_every8d.plugins.store import error_summary

    try:
        key = uuid.UUID(ti_id)
    except ValueError:
        return _answer(404, CheckOutcome.UNKNOWN.value)
    try:
        result = await pool.run(check, key)
    except Exception as error:  # the platform or the database: the trigger records the answer itself
        log.warning("EVERY8D: SMS answer check of task instance %s failed (%s)", key, error_summary(error))
        return _answer(503, "error")
    if result is None:
        return _answer(503, CheckOutcome.BUSY.value)
    status, outcome = result
    return _answer(status, outcome.value)
