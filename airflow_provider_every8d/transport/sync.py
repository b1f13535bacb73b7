"""Sync transport: one ``requests.Session`` (kept-alive connections), POST bodies, the retry policy.

Retry policy, the part that keeps an SMS from going out twice (:mod:`protocol.retry`, run by
:mod:`protocol.driver`):
- Every request is retried when the connection could not be opened (nothing reached the server).
- Queries (status, replies, credit) are also retried on timeouts and HTTP 5xx, with backoff.
- Sends and erasures are never retried once the request may have reached the server: the error says so
  (``Every8dTransportError.may_have_reached_server``) and the caller decides (see "Sending once").
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import requests
from urllib3.exceptions import NewConnectionError
from urllib3.util.retry import Retry

from airflow_provider_every8d.protocol import build, driver
from airflow_provider_every8d.protocol.driver import Answer, Emit, Pause, Steps
from airflow_provider_every8d.protocol.errors import Every8dTransportError
from airflow_provider_every8d.protocol.exchange import connection_failed
from airflow_provider_every8d.protocol.request import ApiRequest
from airflow_provider_every8d.protocol.retry import QUERY_ATTEMPTS
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.adapter import Every8dAdapter
from airflow_provider_every8d.transport.core import USER_AGENT, answer, next_step, prepare, proxies_for

if TYPE_CHECKING:
    from airflow_provider_every8d.protocol.models import DeliveryRow, Reply
    from airflow_provider_every8d.protocol.summary import DeliverySummary
    from airflow_provider_every8d.transport.tokens import Raw


def _never_connected(error: requests.RequestException) -> bool:
    """True when the request certainly did not reach the server."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, NewConnectionError):
            return True
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            current = reason
            continue
        current = current.args[0] if current.args and isinstance(current.args[0], BaseException) else None
    return False


def _read_environment_once(session: requests.Session, settings: ClientSettings) -> None:
    """Apply the way out (:func:`transport.core.proxies_for`, the same for both transports), the CA bundle
    and the netrc entry to ``session`` once, then stop requests from re-reading the environment: with
    ``trust_env`` it scans ``os.environ`` twice per request (about 0.4 ms, a sixth of a status scan's CPU;
    benchmarks/RESULTS.md). REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE replace ``verify=True``. Changes to the
    environment after the client is built are not seen."""
    if settings.proxies:
        session.proxies.update(settings.proxies)
    if not session.trust_env:
        return
    session.proxies = dict(session.proxies) or dict(proxies_for(settings))  # explicit ones replace it whole
    auth = requests.utils.get_netrc_auth(settings.base_url)
    if session.verify is True or session.verify is None:  # what merge_environment_settings would give, without
        # its two more scans of the environment for proxies (two thirds of building a client)
        session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or session.verify
    if auth and session.auth is None:
        session.auth = auth
    session.trust_env = False


class Every8dClient:
    """Calls the API. Build it from :class:`ClientSettings`; reuse it for many calls; ``close()`` at the end.

    ``query_attempts``: tries of a query (status, replies, credit) before a transient failure is raised.
    """

    def __init__(self, settings: ClientSettings, session: requests.Session | None = None, *,
                 query_attempts: int = QUERY_ATTEMPTS) -> None:
        self.settings = settings
        self.query_attempts = query_attempts
        self.session = session or requests.Session()
        retry = Retry(total=settings.connect_retries, connect=settings.connect_retries, read=0, status=0,
                      other=0, redirect=0, backoff_factor=0.2, allowed_methods=None, raise_on_status=False)
        self.adapter = Every8dAdapter(max_retries=retry, pool_maxsize=4)
        self.session.mount("http://", self.adapter)
        self.session.mount("https://", self.adapter)
        self.session.headers["User-Agent"] = f"{USER_AGENT} (requests)"
        self.session.verify = settings.verify
        _read_environment_once(self.session, settings)

    def __enter__(self) -> Every8dClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def _exchange(self, request: ApiRequest) -> Answer:
        if self.settings.uses_token:  # API 2.2 bearer token: transport/tokens.py
            from airflow_provider_every8d.transport.tokens import run_sync

            return run_sync(request, self.settings, self.post, self._finish)
        return self._finish(self.post(request, None), request)

    def _finish(self, raw: Raw, request: ApiRequest) -> Answer:
        return raw if isinstance(raw, Every8dTransportError) else answer(raw[0], raw[1], request, self.settings)

    def post(self, request: ApiRequest, token: str | None) -> Raw:
        """One POST (``token``: as API 2.2's bearer, no UID/PWD in the body): the status and body, or the
        transport error it ended with."""
        url, body, headers = prepare(request, self.settings, token)
        timeout = self.settings.timeout
        try:  # a redirect is never followed: it would POST the password (and a send) to another place
            answered = self.adapter.post(self.session, url, body=body, headers=headers, timeout=timeout)
            if answered is None:  # a session that needs requests' whole way (transport/adapter.py)
                response = self.session.post(url, data=body, headers=headers, timeout=timeout,
                                             allow_redirects=False)
                answered = response.status_code, response.content
        except requests.RequestException as error:
            return connection_failed(error, _never_connected(error), request.endpoint.path)
        return answered

    def _drive(self, steps: Steps) -> Iterator[Any]:
        """Perform the driver's steps; yield what it emits."""
        outcome: Answer = None
        while (step := next_step(steps, outcome)) is not None:
            outcome = None
            if isinstance(step, Emit):
                yield from step.items
            elif isinstance(step, Pause):
                time.sleep(step.seconds)
            else:
                outcome = self._exchange(step)

    def call(self, request: ApiRequest) -> Any:
        """Send one request and return its parsed answer (see :mod:`protocol.parse` for the errors)."""
        (value,) = self._drive(driver.result(driver.call(request, self.query_attempts)))
        return value

    def iter_pages(self, make_request: Callable[[int], ApiRequest]) -> Iterator[Any]:
        """Every page of a paged query (``make_request(page)``); the first one always (it may be empty)."""
        return self._drive(driver.each_page(make_request, self.query_attempts))

    def iter_rows(self, make_request: Callable[[int], ApiRequest]) -> Iterator[Any]:
        """Every row of a paged query, page after page; one page in memory."""
        return self._drive(driver.each_row(make_request, self.query_attempts))

    def get_delivery_summary(self, batch_ids: Sequence[str], *, mms: bool = False) -> DeliverySummary:
        """Every page of every batch, counted without building row objects (a sensor's poke)."""
        (summary,) = self._drive(driver.delivery_summary(batch_ids, mms=mms, attempts=self.query_attempts))
        return summary

    def iter_delivery_status(self, batch_id: str, *, mms: bool = False) -> Iterator[DeliveryRow]:
        """Every status row of a batch (2.2, or 2.3 with ``mms=True``)."""
        return self.iter_rows(partial(build.delivery_status_request, batch_id, mms=mms))

    def iter_replies(self, batch_id: str) -> Iterator[Reply]:
        """Every reply to a batch (2.4)."""
        return self.iter_rows(partial(build.replies_request, batch_id))
