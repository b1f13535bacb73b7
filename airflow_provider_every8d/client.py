"""Sync transport: one ``requests.Session`` (kept-alive connections), POST bodies, the retry policy.

Retry policy, the part that keeps an SMS from going out twice:
- Every request is retried when the connection could not be opened (nothing reached the server).
- Queries (status, replies, credit) are also retried on timeouts and HTTP 5xx, with backoff.
- Sends and erasures are never retried once the request may have reached the server: the error says so
  (``Every8dTransportError.may_have_reached_server``) and the caller decides (see "Sending once").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError
from urllib3.util.retry import Retry

from airflow_provider_every8d import __version__
from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.protocol.errors import Every8dTransportError
from airflow_provider_every8d.protocol.exchange import check_response, connection_failed
from airflow_provider_every8d.protocol.models import DeliveryRow, Reply
from airflow_provider_every8d.protocol.paging import next_page
from airflow_provider_every8d.protocol.privacy import mask
from airflow_provider_every8d.protocol.request import ApiRequest
from airflow_provider_every8d.protocol.retry import retry_pause
from airflow_provider_every8d.protocol.summary import DeliverySummary
from airflow_provider_every8d.settings import ClientSettings

log = logging.getLogger(__name__)

USER_AGENT = f"airflow-provider-every8d/{__version__}"
"""Sent by both transports, with `` (requests)`` or `` (httpx)`` after it, so server logs show which ran."""


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


def _read_environment_once(session: requests.Session, base_url: str) -> None:
    """Apply the environment's proxies, CA bundle and netrc entry to ``session`` once, then stop requests
    from re-reading them: with ``trust_env`` it scans ``os.environ`` twice per request (about 0.4 ms, a
    sixth of a status scan's CPU; benchmarks/RESULTS.md). Proxies already on the session (the connection's
    ``extra.proxies``) replace the environment's (HTTP_PROXY/HTTPS_PROXY/ALL_PROXY/NO_PROXY) whole, as in
    the httpx client; requests alone would let an environment proxy win. Without them the environment's
    apply, NO_PROXY checked against ``base_url`` (every request goes to that host). REQUESTS_CA_BUNDLE/
    CURL_CA_BUNDLE replace ``verify=True``. Changes to the environment after the client is built are not
    seen."""
    if not session.trust_env:
        return
    explicit = dict(session.proxies)
    environment = session.merge_environment_settings(base_url, {}, None, session.verify, None)
    auth = requests.utils.get_netrc_auth(base_url)
    session.proxies = explicit or environment["proxies"]
    session.verify = environment["verify"]
    if auth and session.auth is None:
        session.auth = auth
    session.trust_env = False


class Every8dClient:
    """Calls the API. Build it from :class:`ClientSettings`; reuse it for many calls; ``close()`` at the end."""

    def __init__(self, settings: ClientSettings, session: requests.Session | None = None) -> None:
        self.settings = settings
        self.session = session or requests.Session()
        retry = Retry(total=settings.connect_retries, connect=settings.connect_retries, read=0, status=0,
                      other=0, redirect=0, backoff_factor=0.2, allowed_methods=None, raise_on_status=False)
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=4)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = f"{USER_AGENT} (requests)"
        self.session.verify = settings.verify
        if settings.proxies:
            self.session.proxies.update(settings.proxies)
        _read_environment_once(self.session, settings.base_url)

    def __enter__(self) -> Every8dClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def call(self, request: ApiRequest) -> Any:
        """Send one request and return its parsed answer (see :mod:`protocol.parse` for the errors)."""
        attempt = 1
        while True:
            try:
                return request.parse(self._post(request))
            except Every8dTransportError as error:
                pause = retry_pause(request, error, attempt)
                if pause is None:
                    raise
                log.warning("EVERY8D %s failed (%s); trying again in %.1f s", request.endpoint.path,
                            error.problem, pause)
                time.sleep(pause)
                attempt += 1

    def _post(self, request: ApiRequest) -> bytes:
        body, content_type = request.encode(self.settings.uid, self.settings.password)
        endpoint = request.endpoint.path
        if request.recipients:
            shown = ", ".join(mask(r) for r in request.recipients[:3])
            more = f" and {len(request.recipients) - 3} more" if len(request.recipients) > 3 else ""
            log.debug("EVERY8D %s to %s%s", endpoint, shown, more)
        try:  # a redirect is never followed: it would POST the password (and a send) to another place
            response = self.session.post(request.url(self.settings.base_url), data=body,
                                         headers={"Content-Type": content_type}, timeout=self.settings.timeout,
                                         allow_redirects=False)
        except requests.RequestException as error:
            raise connection_failed(error, _never_connected(error), endpoint) from None
        return check_response(response.status_code, response.content, endpoint, self.settings.password)

    def iter_pages(self, make_request: Callable[[int], ApiRequest]) -> Iterator[Any]:
        """Every page of a paged query (``make_request(page)``); the first one always (it may be empty)."""
        page, fetched = 1, 0
        while True:
            result = self.call(make_request(page))
            yield result
            fetched += result.size
            following = next_page(page, result.size, fetched, result.total)
            if following is None:
                return
            page = following

    def iter_rows(self, make_request: Callable[[int], ApiRequest]) -> Iterator[Any]:
        """Every row of a paged query, page after page; one page in memory."""
        for result in self.iter_pages(make_request):
            yield from result.rows

    def get_delivery_summary(self, batch_ids: Sequence[str], *, mms: bool = False) -> DeliverySummary:
        """Every page of every batch, counted without building row objects (a sensor's poke)."""
        summary = DeliverySummary(mms=mms)
        for batch_id in batch_ids:
            for result in self.iter_pages(partial(build.delivery_status_request, batch_id, mms=mms, counts_only=True)):
                summary.add_counts(result.counts or {}, batch_id=batch_id)
        return summary

    def iter_delivery_status(self, batch_id: str, *, mms: bool = False) -> Iterator[DeliveryRow]:
        """Every status row of a batch (2.2, or 2.3 with ``mms=True``)."""
        return self.iter_rows(partial(build.delivery_status_request, batch_id, mms=mms))

    def iter_replies(self, batch_id: str) -> Iterator[Reply]:
        """Every reply to a batch (2.4)."""
        return self.iter_rows(partial(build.replies_request, batch_id))
