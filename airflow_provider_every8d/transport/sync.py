"""Sync transport: POST bodies on kept-alive connections, the retry policy.

Two ways to the server, the same bytes of the form and the same answers (tests/integration/transport):

- straight to it (no proxy for its URL, no netrc file, no session of the caller's): :mod:`transport.wire`,
  HTTP/1.1 on the standard library's sockets, the default and the fast way (nothing of requests loaded);
- through a proxy, with a netrc entry, or on the caller's ``requests.Session``: requests
  (:mod:`transport.via_requests`).

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

from airflow_provider_every8d.protocol import build, driver
from airflow_provider_every8d.protocol.driver import Answer, Emit, Pause, Steps
from airflow_provider_every8d.protocol.errors import Every8dTransportError
from airflow_provider_every8d.protocol.exchange import connection_failed
from airflow_provider_every8d.protocol.request import ApiRequest
from airflow_provider_every8d.protocol.retry import QUERY_ATTEMPTS
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.core import USER_AGENT, answer, next_step, prepare, proxies_for
from airflow_provider_every8d.transport.wire import Origin, WireError, WirePool, ca_bundle, origin_of

if TYPE_CHECKING:
    import requests

    from airflow_provider_every8d.protocol.models import DeliveryRow, Reply
    from airflow_provider_every8d.protocol.summary import DeliverySummary
    from airflow_provider_every8d.transport.adapter import Every8dAdapter
    from airflow_provider_every8d.transport.tokens import Raw
    from airflow_provider_every8d.transport.via_requests import RequestsWay

_KEPT_ORIGINS = 8


def _netrc_present() -> bool:
    """True when requests would look for the server in a netrc file (NETRC, ~/.netrc, ~/_netrc): an
    entry there becomes basic auth on every request, so such a client takes requests' way."""
    named = os.environ.get("NETRC")
    places = (named,) if named else ("~/.netrc", "~/_netrc")
    return any(os.path.exists(os.path.expanduser(place)) for place in places)


class Every8dClient:
    """Calls the API. Build it from :class:`ClientSettings`; reuse it for many calls; ``close()`` at the end.

    ``session``: a ``requests.Session`` of the caller's, used for every request (requests' way).
    ``query_attempts``: tries of a query (status, replies, credit) before a transient failure is raised.
    The proxy, CA bundle and netrc environment is read once, when the client is built.
    """

    def __init__(self, settings: ClientSettings, session: requests.Session | None = None, *,
                 query_attempts: int = QUERY_ATTEMPTS) -> None:
        self.settings = settings
        self.query_attempts = query_attempts
        way_out = proxies_for(settings)  # a caller's session goes the same way out as ours
        self._requests: RequestsWay | None = None
        self._wire: WirePool | None = None
        self._origins: dict[str, Origin] = {}
        if session is None and not way_out and not _netrc_present():
            verify = ca_bundle(settings.verify) if settings.base_url.startswith("https:") else settings.verify
            self._wire = WirePool(verify=verify, connect_retries=settings.connect_retries)
            self._headers = {"User-Agent": f"{USER_AGENT} (stdlib)", "Accept": "*/*"}
        else:
            from airflow_provider_every8d.transport.via_requests import RequestsWay

            self._requests = RequestsWay(settings, session, way_out)

    @property
    def direct(self) -> bool:
        """True when requests go straight to the server over :mod:`transport.wire`."""
        return self._wire is not None

    @property
    def session(self) -> requests.Session:
        """The ``requests.Session`` of requests' way (AttributeError on the direct way)."""
        if self._requests is None:
            raise AttributeError("this client goes straight to the server (transport.wire): it has no session")
        return self._requests.session

    @property
    def adapter(self) -> Every8dAdapter:
        """requests' way's adapter (AttributeError on the direct way)."""
        if self._requests is None:
            raise AttributeError("this client goes straight to the server (transport.wire): it has no adapter")
        return self._requests.adapter

    def __enter__(self) -> Every8dClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._wire is not None:
            self._wire.close()
        if self._requests is not None:
            self._requests.close()

    def _exchange(self, request: ApiRequest) -> Answer:
        if self.settings.uses_token:  # API 2.2 bearer token: transport/tokens.py
            from airflow_provider_every8d.transport.tokens import run_sync

            return run_sync(request, self.settings, self.post, self._finish)
        return self._finish(self.post(request, None), request)

    def _finish(self, raw: Raw, request: ApiRequest) -> Answer:
        return raw if isinstance(raw, Every8dTransportError) else answer(raw[0], raw[1], request, self.settings)

    def post(self, request: ApiRequest, token: str | None) -> Raw:
        """One POST (``token``: as API 2.2's bearer, no UID/PWD in the body): the status and body, or the
        transport error it ended with. A redirect is never followed: it would POST the password (and a
        send) to another place."""
        url, body, headers = prepare(request, self.settings, token)
        if self._requests is not None:
            return self._requests.post(url, body=body, headers=headers, endpoint=request.endpoint.path)
        assert self._wire is not None
        try:
            origin = self._origins.get(url) or self._origin(url)
            return self._wire.post(origin, headers={**self._headers, **headers}, body=body,
                                   timeout=self.settings.timeout, idempotent=request.idempotent)
        except WireError as error:
            return connection_failed(error, error.never_connected, request.endpoint.path)

    def _origin(self, url: str) -> Origin:
        if len(self._origins) >= _KEPT_ORIGINS:
            self._origins.clear()
        origin = self._origins[url] = origin_of(url)
        return origin

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
