"""The FastAPI app that receives EVERY8D's delivery-report push (spec 2.1), mounted at ``/every8d``.

``GET /every8d/push/<token>?BatchID=...&RM=...&STATUS=...`` answers:

- 200 ``OK`` once the report is stored as an asset event, or was stored before (a retry), or no DAG
  declares its asset (nothing to store; the platform must not retry);
- 400 with the field and the problem when a documented field is missing, malformed or over its bound
  (BatchID, RM, STATUS, USERID are required); nothing is stored, the platform retries at most 10 times;
- 404 ``{"detail": "Not Found"}``, the same as any unknown path, for a wrong or missing token, a source
  outside ``push_allowed_networks``, or a receiver without a token; nothing is stored;
- 503 when the store is saturated or the database failed; the platform tries again.

Stores run on a small dedicated thread pool and callers wait in the event loop, so a burst of callbacks
neither blocks the loop nor takes the threads that serve the rest of the API.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from airflow_provider_every8d.plugins.config import load_settings
from airflow_provider_every8d.plugins.store import StoreOutcome, store_report
from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.push import parse_push

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)

URL_PREFIX = "/every8d"
STORE_THREADS = 4
MAX_WAITING = 256
_T = TypeVar("_T")


class _StorePool:
    """A bounded pool: at most ``MAX_WAITING`` reports in flight, ``STORE_THREADS`` stored at once."""

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._in_flight = 0

    async def run(self, func: Callable[..., _T], *args: Any) -> _T | None:
        """``func(*args)`` on the pool, or None at once when it is saturated."""
        with self._lock:
            if self._in_flight >= MAX_WAITING:
                return None
            self._in_flight += 1
            if self._executor is None:
                self._executor = ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="every8d-push")
            executor = self._executor
        try:
            return await asyncio.wrap_future(executor.submit(func, *args))
        finally:
            with self._lock:
                self._in_flight -= 1


_POOL = _StorePool()


def _not_found() -> Response:
    return JSONResponse({"detail": "Not Found"}, status_code=404)


async def receive_push(token: str, request: Request) -> Response:
    settings = load_settings()
    client = request.client.host if request.client else None
    if not settings.token_matches(token) or not settings.source_allowed(client):
        return _not_found()
    try:
        report = parse_push(request.query_params)
        if not report.user_id:
            raise Every8dValidationError("USERID", "missing")
    except Every8dValidationError as exc:
        log.warning("EVERY8D push refused (400): %s", exc)
        return PlainTextResponse(f"Bad request: {exc}", status_code=400)
    try:
        outcome = await _POOL.run(store_report, report, settings.dedup_days)
    except Exception:
        log.exception("EVERY8D push of batch %s not stored; answering 503 so the platform retries", report.batch_id)
        return PlainTextResponse("Not stored, try again", status_code=503)
    if outcome is None:
        log.warning("EVERY8D push of batch %s deferred: %d reports waiting", report.batch_id, MAX_WAITING)
        return PlainTextResponse("Busy, try again", status_code=503)
    return PlainTextResponse("OK" if outcome is not StoreOutcome.NO_ASSET else "OK (no DAG declares this asset)")


_PUSH_PATH = re.compile(r"(/push/)[^/]*")


class ScrubPushUrl:
    """Replaces the token and the query (phone numbers, reply texts) in the request's scope once the
    response is sent. Airflow's access log middleware reads that same scope after the app returns, so it
    records ``/every8d/push/***`` and no query."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            if scope["type"] == "http":
                scope["path"] = _PUSH_PATH.sub(r"\1***", scope.get("path", ""))
                scope["raw_path"] = scope["path"].encode("utf-8")
                scope["query_string"] = b""


def create_receiver_app() -> FastAPI:
    """The receiver, for ``AirflowPlugin.fastapi_apps`` (Airflow mounts it at :data:`URL_PREFIX`)."""
    app = FastAPI(title="EVERY8D push receiver", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_api_route("/push/{token}", receive_push, methods=["GET"], include_in_schema=False)
    app.add_middleware(ScrubPushUrl)
    return app
