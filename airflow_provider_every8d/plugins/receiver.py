"""The FastAPI app that receives EVERY8D's delivery-report push (spec 2.1), served at ``/every8d``.

:mod:`.paths` hands it every request whose path starts with ``/every8d`` in any case, so one handler
answers every variant. ``GET /every8d/push/<token>?BatchID=...&RM=...&STATUS=...`` answers:

- 200 ``OK`` once the report is stored as an asset event, or was stored before (a retry), or no DAG
  declares its asset (nothing to store; the platform must not retry);
- 400 with the field and the problem only when the report cannot be attributed: BatchID or STATUS missing
  or malformed, or no USERID (the account whose asset it belongs to); nothing is stored, and the platform
  drops it after at most 10 tries. Every other field is stored as received (long values cut at 4 KB),
  but for control characters, removed, and an RM that is no phone number, moved to ``extra``
  (:mod:`~airflow_provider_every8d.protocol.storable`);
- 404 ``{"detail": "Not Found"}``, the same as any unknown path, for a wrong or missing token, another
  account's ``USERID`` (per-account tokens), a source outside ``push_allowed_networks``, a receiver
  without a token, any other method or path under ``/every8d``; nothing is stored;
- 503 when the store is saturated, the database failed or ``push_dedup_days`` is invalid; the platform
  tries again.

``POST /every8d/hitl/<ti_id>/check`` is the HITL trigger's "look for an SMS answer now" (:mod:`.hitl_check`;
no token: it acts only on what the platform's reply list confirms).

Log lines name the batch, the masked number and the error's type, never a statement's parameters (the
number, the reply text) nor a traceback that would quote them.

Stores run on a small dedicated thread pool and callers wait in the event loop, so a burst of callbacks
neither blocks the loop nor takes the threads that serve the rest of the API.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, TypeVar

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from airflow_provider_every8d.plugins import hitl_check
from airflow_provider_every8d.plugins.config import ANY_ACCOUNT, load_settings
from airflow_provider_every8d.plugins.store import StoreOutcome, error_summary, store_report
from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.push import parse_push
from airflow_provider_every8d.protocol.storable import storable_report

log = logging.getLogger(__name__)

URL_PREFIX = "/every8d"
STORE_THREADS = 4
MAX_WAITING = 256
_T = TypeVar("_T")


class _StorePool:
    """A bounded pool: at most ``waiting`` jobs (reports) in flight, ``threads`` run (stored) at once."""

    def __init__(self, threads: int = STORE_THREADS, waiting: int = MAX_WAITING, name: str = "every8d-push") -> None:
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._in_flight = 0
        self._threads, self._waiting, self._name = threads, waiting, name

    async def run(self, func: Callable[..., _T], *args: Any) -> _T | None:
        """``func(*args)`` on the pool, or None at once when it is saturated."""
        with self._lock:
            if self._in_flight >= self._waiting:
                return None
            self._in_flight += 1
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self._threads, thread_name_prefix=self._name)
            executor = self._executor
        try:
            return await asyncio.wrap_future(executor.submit(func, *args))
        finally:
            with self._lock:
                self._in_flight -= 1


_POOL = _StorePool()
CHECK_POOL = _StorePool(hitl_check.CHECK_THREADS, hitl_check.MAX_WAITING, "every8d-hitl-check")
"""The HITL answer checks' own threads (:mod:`.hitl_check`): a slow platform does not delay pushes."""


ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _not_found() -> Response:
    return JSONResponse({"detail": "Not Found"}, status_code=404)


def push_token_in(route: str) -> str | None:
    """The token of ``push/<token>`` (``push`` in any case, one trailing slash allowed), else None."""
    head, _, token = route.strip("/").partition("/")
    if head.lower() != "push" or not token or "/" in token:
        return None
    return token


async def receive_push(request: Request) -> Response:
    check_id = hitl_check.check_target(request.path_params.get("route", ""))
    if check_id is not None and request.method == "POST":
        return await hitl_check.check_answer(request, check_id, CHECK_POOL)
    token = push_token_in(request.path_params.get("route", ""))
    settings = load_settings()
    account = settings.account_for(token) if token is not None else None
    client = request.client.host if request.client else None
    if account is None or request.method != "GET" or not settings.source_allowed(client):
        return _not_found()
    if settings.problem:
        log.error("EVERY8D push not stored: [every8d] push_dedup_days: %s", settings.problem)
        return PlainTextResponse("Not stored, try again", status_code=503)
    try:
        report = storable_report(parse_push(request.query_params))
        if not report.user_id:
            raise Every8dValidationError("USERID", "missing")
    except Every8dValidationError as exc:
        log.warning("EVERY8D push refused (400): %s", exc)
        return PlainTextResponse(f"Bad request: {exc}", status_code=400)
    if account != ANY_ACCOUNT and report.user_id != account:
        return _not_found()  # another account's token: as if it were wrong
    try:
        outcome = await _POOL.run(store_report, report, settings.dedup_days)
    except Exception as exc:  # no traceback: a database error quotes the statement's parameters
        log.error("EVERY8D push of batch %s not stored (%s); answering 503 so the platform retries",
                  report.batch_id, error_summary(exc))
        return PlainTextResponse("Not stored, try again", status_code=503)
    if outcome is None:
        log.warning("EVERY8D push of batch %s deferred: %d reports waiting", report.batch_id, MAX_WAITING)
        return PlainTextResponse("Busy, try again", status_code=503)
    return PlainTextResponse("OK" if outcome is not StoreOutcome.NO_ASSET else "OK (no DAG declares this asset)")


def create_receiver_app() -> FastAPI:
    """The receiver: one route for every method and path, so nothing under ``/every8d`` answers 405 or
    redirects; :mod:`.paths` routes requests here and scrubs what the access log reads."""
    app = FastAPI(title="EVERY8D push receiver", docs_url=None, redoc_url=None, openapi_url=None,
                  redirect_slashes=False)
    app.add_api_route("/{route:path}", receive_push, methods=ALL_METHODS, include_in_schema=False)
    return app


@lru_cache(maxsize=1)
def receiver_app() -> FastAPI:
    """The process's one receiver app, shared by the plugin's mount and :class:`.paths.PushPathGuard`;
    reports a configuration problem once, at start-up."""
    load_settings()
    return create_receiver_app()
